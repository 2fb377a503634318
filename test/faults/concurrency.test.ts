/**
 * Fifty triggers of one receiver at the same moment: each either moves the
 * service one step (an applied event, one platform call) or is turned away;
 * none is lost and none counts twice.
 */
import { describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { createReceiver, putHttpService, trigger, webhookTestApi } from '../support/webhooks';

const api = webhookTestApi();
const TRIGGERS = 50;

describe(`${TRIGGERS} concurrent triggers`, () => {
  it('leave the platform at the replicas the applied events say, each applied event one step from the last', async () => {
    const ns = freshNamespace('burst');
    const platform = await startHttpTarget(1);
    api.platforms.push(platform);
    await putHttpService(api.url, ns, 'web', platform.url, { min: 1, max: 100 });
    const receiver = await createReceiver(api.url, ns, { name: 'up', driver: 'scaleService', scaleServiceConfig: { serviceId: 'web', action: 'up', amount: 1, min: 1, max: 100 } });

    const answers = await Promise.all(Array.from({ length: TRIGGERS }, () => trigger(receiver.body.url)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 409 || s === 429), JSON.stringify(statuses)).toBe(true);

    const { items } = (await call(api.url, 'GET', `/v1/services/web/events?namespace=${ns}&limit=100`)).body as { items: Array<{ from: number; to: number; status: string }> };
    const applied = items.filter((e) => e.status === 'applied').sort((a, b) => a.from - b.from);
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.length).toBe(statuses.filter((s) => s === 200).length);
    expect(applied.map((e) => [e.from, e.to])).toEqual(applied.map((_, i) => [1 + i, 2 + i]));
    expect(platform.state.received).toHaveLength(applied.length);
    expect(platform.state.replicas).toBe(1 + applied.length);
  }, 120_000);
});
