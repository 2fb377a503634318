/**
 * Shadow policies in the evaluator, on DynamoDB Local and the sim provider, with an injected
 * clock that moves a minute between evaluations: each shadow decides beside the live policy
 * on the readings its own replicas would send, keeps its own replicas and history in the
 * service's state, and never reaches the platform nor the events.
 */
import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices } from '../../lib/evaluator/evaluate';
import { parseServiceDocument } from '../../lib/services/schema';
import { freshNamespace } from '../support/client';

const START = Date.UTC(2026, 10, 22, 10, 0, 0);
const MINUTE = 60_000;
const clock = { at: START };
const app = createTide(loadConfig(), () => clock.at);

const target = { provider: 'sim', offeredLoad: 400, capacityPerReplica: 50, initialReplicas: 2, startupDelay: '60s' };
const livePolicy = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] };
const target90 = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 90 }] };

async function simulated(document: Record<string, unknown>) {
  const namespace = freshNamespace();
  const parsed = parseServiceDocument({ min: 1, max: 20, target, policy: livePolicy, ...document }, 'demo', namespace, app.config);
  await app.services.put({ namespace, service: 'demo', ...parsed }, clock.at);
  return {
    namespace,
    async evaluateAt(minute: number) {
      clock.at = START + minute * MINUTE;
      const [result] = await evaluateServices(app, { owner: 'shadow-test', namespace, deadline: clock.at + 10_000 });
      return result;
    },
    state: () => app.serviceStates.get(namespace, 'demo'),
    replace: (changes: Record<string, unknown>) =>
      app.services.put({ namespace, service: 'demo', ...parseServiceDocument({ min: 1, max: 20, target, policy: livePolicy, ...changes }, 'demo', namespace, app.config) }, clock.at),
  };
}

describe('shadow policies in the evaluator', () => {
  it('decides a shadow on the load its own replicas would carry, scores it beside the live policy, and never scales with it', async () => {
    const svc = await simulated({ shadows: { 'target-90': target90 } });
    for (let minute = 0; minute <= 10; minute++) expect(await svc.evaluateAt(minute)).toMatchObject({ status: expect.stringMatching(/applied|unchanged/) });

    const state = await svc.state();
    const shadow = state.shadows?.['target-90'];
    // 400 requests need 8 replicas at 100 %: 13 within 10 % of 60 %, 9 of 90 %. The platform runs the live policy's.
    expect(state.replicas).toBe(13);
    expect((await app.simulatedServices.get(svc.namespace, 'demo'))?.replicas).toHaveLength(13);
    expect(shadow?.replicas).toBe(9);
    // The live replicas read 100 × 400 / (13 × 50) = 61.5; the same load on the shadow's 9 reads 88.9.
    expect(state.lastDecision?.reason).toBe('cpu_ratio mean 61.5 within 10% of target 60');
    expect(shadow?.lastDecision?.reason).toBe('cpu_ratio mean 88.9 within 10% of target 90');
    expect(shadow).toMatchObject({ since: START, minutes: 10 });
    expect(shadow?.shadow.replicaMinutes).toBeLessThan(shadow?.live.replicaMinutes as number);
    expect(shadow?.live.scalingActions).toBe(state.scalings.length);

    // Only the live policy's decisions are events.
    const events = await app.events.list(svc.namespace, 'demo', 50);
    expect(events.length).toBe(state.scalings.length);
    expect(events.every((e) => e.trigger === 'policy' && !e.reason.includes('target 90'))).toBe(true);
  });

  it('restarts a shadow whose policy is edited, drops one taken out, and decides shadows in dry-run mode too', async () => {
    const svc = await simulated({ mode: 'dry-run', shadows: { a: target90, b: target90 } });
    for (let minute = 0; minute <= 3; minute++) await svc.evaluateAt(minute);
    const before = await svc.state();
    // Dry-run: the platform keeps its 2; each shadow moved its own.
    expect(before.replicas).toBe(2);
    expect(before.shadows?.a).toMatchObject({ minutes: 3, replicas: expect.toSatisfy((n: number) => n > 2) });

    await svc.replace({ mode: 'dry-run', shadows: { a: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 80 }] } } });
    await svc.evaluateAt(4);
    const after = await svc.state();
    expect(Object.keys(after.shadows ?? {})).toEqual(['a']);
    // It started again from the platform's 2, with no history, and decided at once.
    expect(after.shadows?.a).toMatchObject({ since: START + 4 * MINUTE, minutes: 0, scalings: [{ ts: START + 4 * MINUTE, from: 2, to: 6 }] });
    expect(after.shadows?.a?.lastDecision?.reason).toContain('target 80');
  });

  it('leaves a service without shadows as it was: no shadows in its state', async () => {
    const svc = await simulated({});
    await svc.evaluateAt(0);
    expect((await svc.state()).shadows).toBeUndefined();
  });
});
