/**
 * A schedule as `npm start` runs it: a sim service whose schedule began this minute on the clocks
 * of Kolkata (UTC+5:30), applied with `npx tide apply`, evaluated on demand with `npx tide
 * evaluate` on the real clock, and the event in `npx tide events` naming the schedule; then
 * docs/POLICIES.md's nightly example, run as written.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { localStackForTests, root, userEnvironment } from './localStack';
import { shellBlocks } from './readme';

// No scheduled evaluations: a minute's tick between apply and evaluate would scale the service first.
const local = localStackForTests({ TIDE_EVALUATOR_SCHEDULE: 'false' });
const { tide } = local;

/** "MINUTE HOUR * * *" for the current minute on the clocks of `timeZone`. */
function thisMinute(timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric' }).formatToParts(Date.now());
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return `${part('minute')} ${part('hour')} * * *`;
}

describe('a schedule on the local stack', () => {
  it('scales a service to the bound of a schedule that is active now, and the event names the schedule', async () => {
    const cron = thisMinute('Asia/Kolkata');
    const file = join(local.dir, '.tide', 'web.json');
    // 150 load on 5 replicas of 50 reads 60 %: the rule holds 5, so the schedule alone brings them to 2.
    writeFileSync(
      file,
      JSON.stringify({
        min: 1,
        max: 10,
        target: { provider: 'sim', offeredLoad: 150, capacityPerReplica: 50, initialReplicas: 5 },
        policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] },
        schedules: [{ name: 'quiet', cron, timeZone: 'Asia/Kolkata', duration: '1h', max: 2 }],
      }),
    );
    expect(await tide('apply', '-f', file, '--service', 'web')).toBe('service web applied (auto, 1-10 replicas, sim)\n');

    const note = `schedule quiet (${cron} Asia/Kolkata) sets max 2 → 2`;
    const evaluated = await tide('evaluate', 'web');
    expect(evaluated).toMatch(/\nweb +applied +5 → 2 +cpu_ratio mean 60 within 10% of target 60; /);
    expect(evaluated).toContain(note);
    const events = await tide('events', 'web');
    expect(events).toMatch(/\n\S+Z +policy +5 → 2 +applied +cpu_ratio mean 60 within 10% of target 60; /);
    expect(events).toContain(note);
  }, 120_000);

  it("runs docs/POLICIES.md's nightly scale-down example as written", async () => {
    const docs = readFileSync(join(root, 'docs', 'POLICIES.md'), 'utf8');
    const [example] = shellBlocks(docs.slice(docs.indexOf('## Schedules'), docs.indexOf('## Defaults')));
    const script = ['set -euo pipefail', 'curl() { command curl --fail-with-body "$@"; }', example?.code].join('\n');
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd: local.dir, env: userEnvironment() });
    expect(stdout).toMatch(/\n\S+Z +policy +6 → 2 +applied +peak load \(cpu_ratio mean × ready replicas\) 600 in 3m; ceil\(600 \/ 60\) → 10; schedule nightly \(\d+ \d+ \* \* \* Europe\/Berlin\) sets max 2 → 2\n/);
  }, 120_000);
});
