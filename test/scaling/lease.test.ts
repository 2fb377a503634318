/**
 * Leases that outlast the work: a scaling holds its service until its
 * invocation's deadline, gives up on the platform in time to record, and
 * records nothing once another scaling has taken the service over.
 * The clock is Tide's (`app.now`), moved by the tests; the platform holds a
 * request instead of taking 40 real seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { providerFor } from '../../lib/providers/context';
import { RECORD_MS } from '../../lib/scaling/deadline';
import { scaleService, type ScaleIntent } from '../../lib/scaling/service';
import type { ScalingEvent } from '../../lib/store/events';
import { call, freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { startHttpApi } from '../support/httpApi';
import { createReceiver, scaleUp, trigger } from '../support/webhooks';

const clock = { at: Date.now() };
let api: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  tide().now = () => clock.at;
  api = await startHttpApi();
});
afterAll(async () => {
  await api.close();
});

/** A manual-mode service on a platform that may take up to 60 s to answer (the most a target's timeout allows). */
async function slowService(ns: string, replicas: number) {
  const platform = await startHttpTarget(replicas);
  const put = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, {
    body: { mode: 'manual', min: 1, max: 10, target: { provider: 'http', url: platform.url, timeout: '60s' } },
  });
  expect(put.status).toBe(201);
  return platform;
}

const history = async (ns: string): Promise<ScalingEvent[]> => (await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}`)).body.items;

describe('a webhook whose platform call takes 40 s, and another arriving at second 33', () => {
  it('moves the platform once per applied event: the late holder records nothing and is told so', async () => {
    const ns = freshNamespace();
    const platform = await slowService(ns, 2);
    const receiver = await createReceiver(api.url, ns, scaleUp('myweb'));
    const started = clock.at;

    const held = platform.hold();
    const first = trigger(receiver.body.url);
    await held.arrived;
    // Past the first trigger's deadline (the webhook function's 29 s) and its lease's margin.
    clock.at = started + 33_000;
    const second = await trigger(receiver.body.url);
    expect(second.status, second.text).toBe(200);
    expect(second.body).toMatchObject({ status: 'applied', from: 2, to: 3 });

    clock.at = started + 40_000;
    held.release();
    const late = await first;
    expect(late.status).toBe(409);
    expect(late.body).toEqual({
      type: 'error',
      statusCode: 409,
      status: 'Conflict',
      message: 'another scaling took this service over before this one could record its outcome: not recorded: applied 2 → 3',
    });

    // Both calls asked for 3: one move, one applied event.
    expect(platform.state.received.map((r) => r.body.to)).toEqual([3, 3]);
    expect(platform.state.replicas).toBe(3);
    expect(await history(ns)).toEqual([expect.objectContaining({ trigger: 'webhook', status: 'applied', from: 2, to: 3 })]);

    // The late holder left no lease behind: the next trigger scales at once.
    clock.at = started + 41_000;
    expect((await trigger(receiver.body.url)).body).toMatchObject({ status: 'applied', from: 3, to: 4 });
    expect(platform.state.replicas).toBe(4);
    expect((await history(ns)).map((e) => `${e.status} ${e.from} → ${e.to}`)).toEqual(['applied 3 → 4', 'applied 2 → 3']);
    await platform.close();
  });
});

describe('a scaling whose platform does not answer before its deadline', () => {
  it('gives up in time to record a failed event, and gives the lease back', async () => {
    const ns = freshNamespace();
    const platform = await slowService(ns, 2);
    const app = tide();
    const svc = (await app.services.get(ns, 'myweb'))!;
    const toFour: ScaleIntent = { trigger: 'manual', plan: () => ({ to: 4, reason: 'release' }) };
    const options = () => ({ owner: 'deadline-test', wait: false, dryRun: false, provider: providerFor(app, svc) });
    const held = platform.hold();

    // 0.3 s left for the platform once the time to record is set aside; its own timeout is 60 s.
    const outcome = await scaleService(app, svc, toFour, { ...options(), deadline: clock.at + RECORD_MS + 300 });
    expect(outcome).toMatchObject({ status: 'failed', from: 2, to: 4, detail: expect.stringMatching(/^http scale failed: no answer within the 0\.[0-9]s this request had left for the platform$/) });
    expect(await history(ns)).toEqual([expect.objectContaining({ trigger: 'manual', status: 'failed', from: 2, to: 4, detail: outcome.detail })]);

    // Not busy: the next scaling takes the lease at once, while the first request is still held.
    await held.arrived;
    expect(await scaleService(app, svc, toFour, { ...options(), deadline: clock.at + 10_000 })).toMatchObject({ status: 'applied', from: 2, to: 4 });
    held.release();
    await platform.close();
  });
});

describe('the lease', () => {
  const event = (ns: string, status: ScalingEvent['status']): ScalingEvent => ({ ts: new Date(clock.at).toISOString(), namespace: ns, service: 'myweb', from: 2, to: 3, trigger: 'manual', reason: 'test', status });

  it('refuses an expired holder’s late write, state and event alike, once another has taken it', async () => {
    const app = tide();
    const ns = freshNamespace();
    const t = clock.at;
    await app.serviceStates.acquire(ns, 'myweb', 'first', t, t + 1_000);
    await expect(app.serviceStates.acquire(ns, 'myweb', 'second', t + 500, t + 5_000)).rejects.toThrow('another scaling is in progress');
    await app.serviceStates.acquire(ns, 'myweb', 'second', t + 2_000, t + 5_000);

    expect(await app.serviceStates.release(ns, 'myweb', 'first', { replicas: 9 }, event(ns, 'applied'))).toBe(false);
    expect(await app.serviceStates.release(ns, 'myweb', 'second', { replicas: 3 }, event(ns, 'skipped'))).toBe(true);
    expect((await app.serviceStates.get(ns, 'myweb')).replicas).toBe(3);
    expect((await app.events.list(ns, 'myweb', 10)).map((e) => e.status)).toEqual(['skipped']);
  });
});
