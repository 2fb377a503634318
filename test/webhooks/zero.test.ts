import { describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { createReceiver, putHttpService, scaleUp, trigger, webhookTestApi } from '../support/webhooks';

// A service asleep at 0 replicas, woken by a CI job's trigger or by Alertmanager.

const api = webhookTestApi();

async function asleep(receiver: Record<string, unknown> = scaleUp('worker')) {
  const ns = freshNamespace();
  const platform = await startHttpTarget(0);
  api.platforms.push(platform);
  await putHttpService(api.url, ns, 'worker', platform.url, { min: 0, max: 10 });
  const created = await createReceiver(api.url, ns, receiver);
  return { ns, platform, url: created.body.url as string };
}

const eventsOf = async (ns: string) => (await call(api.url, 'GET', `/v1/services/worker/events?namespace=${ns}`)).body.items as Array<Record<string, unknown>>;

describe('a service at 0 replicas', () => {
  it('wakes on a trigger, by the receiver amount', async () => {
    const { ns, platform, url } = await asleep({ ...scaleUp('worker'), name: 'wake-worker', scaleServiceConfig: { serviceId: 'worker', action: 'up', amount: 2, min: 1, max: 10 } });
    const answer = await trigger(url);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'applied', from: 0, to: 2 });
    expect(platform.state.replicas).toBe(2);
    expect((await eventsOf(ns)).map((e) => [e.trigger, e.from, e.to, e.status, e.reason])).toEqual([['webhook', 0, 2, 'applied', 'webhook wake-worker: up by 2']]);
  });

  it('wakes on an Alertmanager notification, one step for each alert newly firing', async () => {
    const { platform, url } = await asleep();
    const alert = (queue: string) => ({ status: 'firing', labels: { alertname: 'JobsWaiting', queue }, startsAt: '2026-11-22T10:00:00Z', fingerprint: `fp-${queue}` });
    const body = { version: '4', status: 'firing', commonLabels: { alertname: 'JobsWaiting' }, alerts: [alert('jobs'), alert('mail')] };
    expect((await trigger(url, { body })).body).toMatchObject({ status: 'applied', from: 0, to: 2, reason: 'webhook scale-worker-up: up by 1 for each of 2 new alerts (alert JobsWaiting firing)' });
    expect(platform.state.replicas).toBe(2);
  });

  it('is not taken there by a receiver: scaling down stops at the receiver min, at least 1 as in Rancher', async () => {
    const ns = freshNamespace();
    const refused = await call(api.url, 'POST', `/v1-webhooks/receivers?projectId=${ns}`, {
      body: { name: 'sleep', driver: 'scaleService', scaleServiceConfig: { serviceId: 'worker', action: 'down', amount: 1, min: 0, max: 10 } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('Minimum scale not provided/invalid');
  });
});
