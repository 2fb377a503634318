/**
 * A shadow policy as `npm start` runs it: a service on the sim provider with a shadow, evaluated
 * on demand on the real clock, `npx tide status SERVICE` showing live and shadow scores, and
 * `npx tide promote` making the shadow the service's policy with a PUT. Buckets are 10 s
 * (TIDE_BUCKET_SECONDS) so that whole buckets are scored within seconds rather than minutes.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { localStackForTests } from './localStack';

const { admin, tide } = localStackForTests({ TIDE_BUCKET_SECONDS: '10' });

describe('shadow policies on the local stack', () => {
  it('scores a shadow beside the live policy, shows both in tide status, and promotes the shadow', async () => {
    // 400 requests need 8 replicas at 100 %: the 14 running read 57.1, within 10 % of target 60, so the live
    // policy holds them; 9 replicas would read 88.9, within 10 % of 90, so the shadow goes to 9 and holds.
    const live = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] };
    const target90 = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 90 }], stabilization: { scaleIn: '0s' } };
    const put = await admin('/v1/services/demo', 'PUT', {
      min: 1,
      max: 20,
      target: { provider: 'sim', offeredLoad: 400, capacityPerReplica: 50, initialReplicas: 14, startupDelay: '60s' },
      policy: live,
      shadows: { 'target-90': target90 },
    });
    expect(put.status).toBe(201);

    // Evaluate until three whole 10 s buckets are scored, however slowly each evaluation runs.
    const deadline = Date.now() + 120_000;
    let shadow: Record<string, any> | undefined;
    const shadowReplicas: number[] = [];
    while (Date.now() < deadline && !(shadow && shadow.minutes >= 0.5)) {
      expect((await admin('/v1/evaluate', 'POST', { services: ['demo'] })).status).toBe(200);
      shadow = (await admin('/v1/services/demo')).body.status.shadows['target-90'];
      shadowReplicas.push(shadow?.replicas);
      await wait(1000);
    }
    // The shadow went to 9 at its first evaluation and stayed there at every one after.
    expect(new Set(shadowReplicas)).toEqual(new Set([9]));
    const { body } = await admin('/v1/services/demo');
    expect(body.status.replicas).toBe(14);
    expect(body.status.lastDecision.reason).toBe('cpu_ratio mean 57.1 within 10% of target 60');
    shadow = body.status.shadows['target-90'];
    expect(shadow).toMatchObject({ replicas: 9, lastDecision: { reason: 'cpu_ratio mean 88.9 within 10% of target 90' } });
    // Every scored bucket ran 14 live replicas and 9 shadow ones, none overloaded; the shadow's one scaling came before them.
    const buckets = Math.round((shadow?.minutes as number) * 6);
    expect(buckets).toBeGreaterThanOrEqual(3);
    const replicaMinutes = (replicas: number) => Math.round((100 * replicas * buckets) / 6) / 100;
    expect(shadow?.live).toEqual({ replicaMinutes: replicaMinutes(14), overloadedMinutes: 0, scalingActions: 0 });
    expect(shadow?.shadow).toEqual({ replicaMinutes: replicaMinutes(9), overloadedMinutes: 0, scalingActions: 0 });

    const shown = await tide('status', 'demo');
    expect(shown).toContain('shadow policies, each beside the live policy over the same minutes (live → shadow):');
    expect(shown).toMatch(/\ntarget-90\s+\S+Z\s+[\d.]+\s+14 → 9\s+[\d.]+ → [\d.]+ \(-36%\)\s+0 → 0\s+0 → 0\s+cpu_ratio mean 88\.9 within 10% of target 90\n/);

    expect(await tide('promote', 'demo', 'target-90')).toBe('service demo now runs the policy of shadow target-90\n');
    const promoted = (await admin('/v1/services/demo')).body;
    expect(promoted.policy.rules).toEqual([expect.objectContaining({ type: 'target', target: 90 })]);
    expect(promoted).not.toHaveProperty('shadows');
    // The promoted policy acts: the platform comes down to the shadow's 9.
    expect((await admin('/v1/evaluate', 'POST', { services: ['demo'] })).body.decisions[0]).toMatchObject({ status: 'applied', from: 14, to: 9 });
  }, 180_000);
});
