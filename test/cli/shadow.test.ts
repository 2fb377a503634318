import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { status, type CommandContext } from '../../cli/commands';
import { tideCli } from '../support/cli';
import { freshNamespace } from '../support/client';
import { httpApiForTests } from '../support/httpApi';

const api = httpApiForTests();
const tide = tideCli(api);

/** `tide status SERVICE` on an answer given here, as the API would give it. */
async function statusOf(answer: unknown): Promise<string[]> {
  const out: string[] = [];
  const ctx: CommandContext = { api: { request: async () => answer } as unknown as CommandContext['api'], namespace: 'default', json: false, out: (l) => out.push(l) };
  await status(ctx, 'demo');
  return out;
}

describe('shadow policies in the tide CLI', () => {
  it('prints each shadow beside the live policy: replicas, replica-minutes with the change, overloaded minutes, actions, last decision', async () => {
    const figures = (replicaMinutes: number, overloadedMinutes: number, scalingActions: number) => ({ replicaMinutes, overloadedMinutes, scalingActions });
    const lines = await statusOf({
      service: 'demo',
      mode: 'auto',
      min: 1,
      max: 20,
      target: { provider: 'sim' },
      status: {
        replicas: 13,
        desired: 13,
        lastDecision: { ts: '2026-11-22T11:00:00.000Z', reason: 'cpu_ratio mean 61.5 within 10% of target 60' },
        shadows: {
          'target-90': {
            since: '2026-11-22T10:00:00.000Z',
            minutes: 60,
            replicas: 9,
            lastDecision: { ts: '2026-11-22T11:00:00.000Z', replicas: 9, reason: 'cpu_ratio mean 88.9 within 10% of target 90' },
            live: figures(760, 2, 4),
            shadow: figures(532, 3, 3),
          },
          'load-90': { since: null, minutes: 0, replicas: null, lastDecision: null, live: figures(0, 0, 0), shadow: figures(0, 0, 0) },
        },
      },
    });
    expect(lines).toEqual([
      'demo  auto  sim  replicas 13 (desired 13, min 1, max 20)',
      'last decision 2026-11-22T11:00:00.000Z: cpu_ratio mean 61.5 within 10% of target 60',
      'shadow policies, each beside the live policy over the same minutes (live → shadow):',
      'SHADOW     SINCE                     MINUTES  REPLICAS  REPLICA-MINUTES   OVERLOADED MINUTES  SCALING ACTIONS  LAST DECISION',
      'target-90  2026-11-22T10:00:00.000Z  60       13 → 9    760 → 532 (-30%)  2 → 3               4 → 3            cpu_ratio mean 88.9 within 10% of target 90',
      'load-90    not evaluated yet         0        13 → ?    0 → 0             0 → 0               0 → 0',
      'promote one: tide promote demo SHADOW',
    ]);
  });

  it('shows a shadow after an evaluation, and promotes it with one GET and one PUT', async () => {
    const ns = freshNamespace();
    const file = join(mkdtempSync(join(tmpdir(), 'tide-cli-')), 'demo.json');
    const target90 = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 90 }] };
    writeFileSync(
      file,
      JSON.stringify({
        service: 'demo',
        min: 1,
        max: 20,
        target: { provider: 'sim', offeredLoad: 400, capacityPerReplica: 50, initialReplicas: 2, startupDelay: '60s' },
        policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] },
        shadows: { 'target-90': target90 },
      }),
    );
    expect((await tide('-n', ns, 'apply', '-f', file)).code).toBe(0);
    expect((await tide('-n', ns, 'evaluate')).out).toMatch(/demo\s+applied\s+2 → 6/);

    const shown = (await tide('-n', ns, 'status', 'demo')).out.split('\n');
    // Both started at 2; the shadow reads 400 on its own 2 replicas too, and is held by the same rate limit.
    expect(shown[4]).toMatch(/^target-90\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+0\s+6 → 6\s+0 → 0\s+0 → 0\s+0 → 0\s+cpu_ratio mean 400 vs target 90; ceil\(2 × 400 \/ 90\) → 9/);

    expect(await tide('-n', ns, 'promote', 'demo', 'nope')).toMatchObject({ code: 1, err: 'tide: service demo has no shadow nope (it has target-90)' });
    expect(await tide('-n', ns, 'promote', 'demo')).toMatchObject({ code: 2, err: expect.stringMatching(/^missing SHADOW/) });
    expect(await tide('-n', ns, 'promote', 'demo', 'target-90')).toMatchObject({ code: 0, out: 'service demo now runs the policy of shadow target-90' });
    const promoted = JSON.parse((await tide('-n', ns, '--json', 'status', 'demo')).out);
    expect(promoted.policy.rules).toEqual([expect.objectContaining(target90.rules[0])]);
    expect(promoted).not.toHaveProperty('shadows');
    expect(promoted.status).not.toHaveProperty('shadows');
    expect(promoted.target).toMatchObject({ provider: 'sim', offeredLoad: 400 });
  });
});
