/**
 * The history a service's policy reads, kept between evaluations in its
 * state: each evaluation's recommendation for stabilization, and every
 * applied scaling, whatever its trigger, for cooldowns. The clock is
 * injected and moves two minutes or more between evaluations, so each 1m
 * window reads only the minute's own samples.
 */
import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices } from '../../lib/evaluator/evaluate';
import { recordSamples } from '../../lib/ingest/record';
import { providerFor } from '../../lib/providers/context';
import { scaleService } from '../../lib/scaling/service';
import { parseServiceDocument } from '../../lib/services/schema';
import { freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';

// Five seconds into a minute bucket.
const START = Date.UTC(2026, 10, 22, 10, 0, 5);
const MINUTE = 60_000;
const clock = { at: START };
const app = createTide(loadConfig(), () => clock.at);
/** The DynamoDB writes this file's evaluations made, by command. */
const writes: string[] = [];
app.db.middlewareStack.add(
  (next, context) => async (args) => {
    const command = (context.commandName ?? '').replace(/Command$/, '');
    if (/Update|Put|Write|Delete/.test(command)) writes.push(command);
    return next(args);
  },
  { step: 'initialize', name: 'countWrites' },
);

/** A service on a fake platform running `replicas`, and a way to evaluate it `minutes` after START on a cpu_ratio reading. */
async function serviceOn(replicas: number, policy: Record<string, unknown>) {
  const namespace = freshNamespace();
  const platform = await startHttpTarget(replicas);
  const document = parseServiceDocument({ mode: 'auto', min: 1, max: 10, target: { provider: 'http', url: platform.url }, policy }, 'myweb', namespace, app.config);
  const { stored } = await app.services.put({ namespace, service: 'myweb', ...document }, START);
  const at = (minutes: number) => (clock.at = START + minutes * MINUTE);
  return {
    platform,
    stored,
    at,
    async evaluate(minutes: number, cpu: number) {
      at(minutes);
      await recordSamples(app, { namespace, node: 'node1', samples: [{ ts: clock.at - 5_000, service: 'myweb', container: 'c1', cpu_ratio: cpu }] });
      const [result] = await evaluateServices(app, { owner: 'history-test', namespace, deadline: clock.at + 10_000 });
      return result;
    },
  };
}

describe('the history between evaluations', () => {
  it('holds a scale-in while an earlier evaluation recommended more, then lets it go', async () => {
    const svc = await serviceOn(3, { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }], stabilization: { scaleIn: '5m' } });
    expect(await svc.evaluate(0, 60)).toMatchObject({ status: 'unchanged', from: 3, to: 3 });
    expect(await svc.evaluate(2, 10)).toMatchObject({ status: 'unchanged', from: 3, to: 3, reason: expect.stringContaining('scale-in held by stabilization (highest recommendation 3 in 5m)') });
    // The 3 of minute 0 has left the 5m window; the 1 of minute 2 has not.
    expect(await svc.evaluate(6, 10)).toMatchObject({ status: 'applied', from: 3, to: 1 });
    expect(svc.platform.state.replicas).toBe(1);
    await svc.platform.close();
  });

  it('counts an operator’s scaling toward the policy’s scale-out cooldown', async () => {
    const svc = await serviceOn(2, { rules: [{ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, outDuration: '1m', increaseBy: 1 }], cooldown: { scaleOut: '5m' } });
    svc.at(0);
    const manual = await scaleService(app, svc.stored, { trigger: 'manual', plan: () => ({ to: 3, reason: 'release' }) }, { owner: 'operator', wait: false, dryRun: false, provider: providerFor(app, svc.stored), deadline: clock.at + 10_000 });
    expect(manual).toMatchObject({ status: 'applied', from: 2, to: 3 });
    expect(await svc.evaluate(2, 90)).toMatchObject({ status: 'unchanged', from: 3, to: 3, reason: expect.stringContaining('in cooldown for scale-out until 2026-11-22T10:05:05Z') });
    expect(await svc.evaluate(6, 90)).toMatchObject({ status: 'applied', from: 3, to: 4 });
    await svc.platform.close();
  });

  it('keeps the last decision, with the time it was made, for the service’s status', async () => {
    const svc = await serviceOn(3, { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] });
    await svc.evaluate(0, 90);
    const state = await app.serviceStates.get(svc.stored.namespace, 'myweb');
    expect(state.lastDecision).toEqual({ ts: START, replicas: 5, direction: 'out', reason: 'cpu_ratio mean 90 vs target 60; ceil(3 × 90 / 60) → 5' });
    expect(state.recommendations).toEqual([{ ts: START, replicas: 5, every: MINUTE }]);
    expect(state.scalings).toEqual([{ ts: START, from: 3, to: 5 }]);
    await svc.platform.close();
  });

  it('writes nothing while each evaluation decides what the one before did, and records the next change', async () => {
    const svc = await serviceOn(3, { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] });
    expect(await svc.evaluate(0, 61)).toMatchObject({ status: 'unchanged', from: 3, to: 3 });
    writes.length = 0;
    for (const [minute, cpu] of [[2, 58], [4, 63], [6, 60]] as const) expect(await svc.evaluate(minute, cpu)).toMatchObject({ status: 'unchanged', from: 3, to: 3 });
    // The samples' own write each minute, and no lease nor state.
    expect(writes).toEqual(Array(3).fill(writes[0]));
    expect(writes[0]).not.toMatch(/Update|Transact/);
    const state = await app.serviceStates.get(svc.stored.namespace, 'myweb');
    expect(state.lastDecision).toMatchObject({ ts: START, replicas: 3, direction: 'none' });
    expect(state.recommendations).toEqual([{ ts: START, replicas: 3, every: MINUTE }]);

    expect(await svc.evaluate(8, 95)).toMatchObject({ status: 'applied', from: 3, to: 5 });
    const after = await app.serviceStates.get(svc.stored.namespace, 'myweb');
    expect(after.lastDecision).toMatchObject({ ts: START + 8 * MINUTE, replicas: 5, direction: 'out' });
    expect(after.recommendations).toEqual([{ ts: START, replicas: 3, every: MINUTE }, { ts: START + 8 * MINUTE, replicas: 5, every: MINUTE }]);
    await svc.platform.close();
  });

  it('counts evaluations without data for a missingMetrics fallback, though those in a row write nothing', async () => {
    const svc = await serviceOn(3, { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }], missingMetrics: { behavior: 'fallback', replicas: 6, afterReads: 3 } });
    const evaluate = async (minutes: number) => {
      svc.at(minutes);
      const [result] = await evaluateServices(app, { owner: 'history-test', namespace: svc.stored.namespace, deadline: clock.at + 10_000 });
      return result;
    };
    expect(await evaluate(0)).toMatchObject({ status: 'unchanged', reason: expect.stringContaining('no data in 1 of the 3 evaluations in a row') });
    writes.length = 0;
    expect(await evaluate(1)).toMatchObject({ status: 'unchanged', reason: expect.stringContaining('no data in 2 of the 3 evaluations in a row') });
    expect(writes).toEqual([]);
    expect(await evaluate(2)).toMatchObject({ status: 'applied', from: 3, to: 6, reason: expect.stringContaining('no data in 3 evaluations in a row: missingMetrics fallback → 6') });
    await svc.platform.close();
  });
});
