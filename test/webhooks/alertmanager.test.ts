import { describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { projectWithReceiver, putHttpService, scaleUp, trigger, webhookTestApi } from '../support/webhooks';

const api = webhookTestApi();
const { platforms } = api;

const setUp = (replicas: number, receiver?: Record<string, unknown>) => projectWithReceiver(api, replicas, receiver);

const eventsOf = async (ns: string) => (await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}`)).body.items as Array<Record<string, unknown>>;

const FINGERPRINTS: Record<string, string> = { 'web-1': '5c0a9e2f7d1b3a44', 'web-2': '9b1e07c3d2a6f810', 'web-3': 'e2d4c6b8a0f19357' };

interface Alert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  startsAt: string;
  fingerprint?: string;
}

/** One alert of the HighCPU group as Alertmanager lists it: one per instance, fingerprinted. */
const highCpu = (instance: string, status: Alert['status'], startsAt: string): Alert => ({
  status,
  labels: { alertname: 'HighCPU', instance },
  startsAt,
  ...(FINGERPRINTS[instance] ? { fingerprint: FINGERPRINTS[instance] } : {}),
});

/** Alertmanager's webhook body: firing while any of its alerts fires. */
const notification = (...alerts: Alert[]) => ({
  version: '4',
  groupKey: '{}:{alertname="HighCPU"}',
  truncatedAlerts: 0,
  status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
  receiver: 'tide-scale-up',
  groupLabels: { alertname: 'HighCPU' },
  commonLabels: { alertname: 'HighCPU' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  alerts: alerts.map((a) => ({ annotations: {}, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', ...a })),
});

/** The worked example in docs/WEBHOOKS.md: the same six notifications, in order. */
const workedExample = [
  notification(highCpu('web-1', 'firing', '2026-11-22T10:00:00Z'), highCpu('web-2', 'firing', '2026-11-22T10:00:00Z')),
  notification(highCpu('web-1', 'firing', '2026-11-22T10:00:00Z'), highCpu('web-2', 'firing', '2026-11-22T10:00:00Z')),
  notification(highCpu('web-1', 'resolved', '2026-11-22T10:00:00Z'), highCpu('web-2', 'firing', '2026-11-22T10:00:00Z')),
  notification(highCpu('web-2', 'firing', '2026-11-22T10:00:00Z'), highCpu('web-3', 'firing', '2026-11-22T10:12:00Z')),
  notification(highCpu('web-1', 'firing', '2026-11-22T10:21:00Z'), highCpu('web-2', 'firing', '2026-11-22T10:00:00Z'), highCpu('web-3', 'firing', '2026-11-22T10:12:00Z')),
  notification(highCpu('web-1', 'resolved', '2026-11-22T10:21:00Z'), highCpu('web-2', 'resolved', '2026-11-22T10:00:00Z'), highCpu('web-3', 'resolved', '2026-11-22T10:12:00Z')),
];

const REPEAT = 'every firing alert in this Alertmanager notification has been acted on already; an alert scales once, when it starts firing';

describe('Alertmanager notifications', () => {
  it('scale once for each alert that newly starts firing: the worked example', async () => {
    const { ns, platform, url } = await setUp(2, { ...scaleUp('myweb'), name: 'scale-web-up' });
    const answers = [];
    for (const body of workedExample) answers.push(await trigger(url, { body }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.map((a) => [a.body.status, a.body.from, a.body.to])).toEqual([
      ['applied', 2, 4], // web-1 and web-2 start firing: one step each
      ['ignored', undefined, undefined], // Alertmanager's repeat
      ['ignored', undefined, undefined], // web-1 resolves, web-2 still fires: the notification is still "firing"
      ['applied', 4, 5], // web-3 joins the group
      ['applied', 5, 6], // web-1 fires again, with a new startsAt
      ['ignored', undefined, undefined], // all resolved
    ]);
    expect(answers[1]?.body).toEqual({ type: 'trigger', receiver: 'scale-web-up', status: 'ignored', reason: REPEAT });
    expect(answers[5]?.body.reason).toBe('Alertmanager notification is resolved; only firing alerts scale');
    expect(platform.state.replicas).toBe(6);
    expect(platform.state.received).toHaveLength(3);
    // Ignored notifications record nothing; each scaling says why.
    expect((await eventsOf(ns)).map((e) => [e.from, e.to, e.reason])).toEqual([
      [5, 6, 'webhook scale-web-up: up by 1 (alert HighCPU firing)'],
      [4, 5, 'webhook scale-web-up: up by 1 (alert HighCPU firing)'],
      [2, 4, 'webhook scale-web-up: up by 1 for each of 2 new alerts (alert HighCPU firing)'],
    ]);
  });

  it('scale on every firing notification with "scaleOn": "everyNotification"', async () => {
    const { ns, platform, url, created } = await setUp(2, { ...scaleUp('myweb'), name: 'every', alertmanager: { scaleOn: 'everyNotification' } });
    expect(created.alertmanager).toEqual({ scaleOn: 'everyNotification' });
    const answers = [];
    for (const body of workedExample) answers.push(await trigger(url, { body }));
    expect(answers.map((a) => [a.body.status, a.body.from, a.body.to])).toEqual([
      ['applied', 2, 3],
      ['applied', 3, 4],
      ['applied', 4, 5],
      ['applied', 5, 6],
      ['applied', 6, 7],
      ['ignored', undefined, undefined],
    ]);
    expect(platform.state.replicas).toBe(7);
    expect((await eventsOf(ns))[0]?.reason).toBe('webhook every: up by 1 (alert HighCPU firing)');
  });

  it('act once for the same notification delivered twice at the same moment', async () => {
    const { ns, platform, url } = await setUp(2);
    const body = workedExample[0];
    const answers = await Promise.all([trigger(url, { body }), trigger(url, { body }), trigger(url, { body })]);
    expect(answers.map((a) => a.body.status).sort()).toEqual(['applied', 'ignored', 'ignored']);
    expect(platform.state.replicas).toBe(4);
    expect(await eventsOf(ns)).toHaveLength(1);
  });

  it('tell alerts without a fingerprint apart by their labels, in any order, and startsAt', async () => {
    const { platform, url } = await setUp(1);
    const bare = (labels: Record<string, string>, startsAt: string) => ({ status: 'firing' as const, labels, startsAt });
    const first = await trigger(url, { body: notification(bare({ alertname: 'HighCPU', instance: 'web-9' }, '2026-11-22T10:00:00Z')) });
    expect(first.body).toMatchObject({ status: 'applied', from: 1, to: 2 });
    const sameLabelsReordered = await trigger(url, { body: notification(bare({ instance: 'web-9', alertname: 'HighCPU' }, '2026-11-22T10:00:00Z')) });
    expect(sameLabelsReordered.body).toMatchObject({ status: 'ignored', reason: REPEAT });
    const otherInstance = await trigger(url, { body: notification(bare({ alertname: 'HighCPU', instance: 'web-8' }, '2026-11-22T10:00:00Z')) });
    expect(otherInstance.body).toMatchObject({ status: 'applied', from: 2, to: 3 });
    const firesAgain = await trigger(url, { body: notification(bare({ alertname: 'HighCPU', instance: 'web-9' }, '2026-11-22T11:00:00Z')) });
    expect(firesAgain.body).toMatchObject({ status: 'applied', from: 3, to: 4 });
    expect(platform.state.replicas).toBe(4);
  });

  it('take as many steps as fit under the max when several alerts start firing at once', async () => {
    const { platform, url } = await setUp(8);
    const three = notification(...['web-1', 'web-2', 'web-3'].map((i) => highCpu(i, 'firing', '2026-11-22T10:00:00Z')));
    expect((await trigger(url, { body: three })).body).toMatchObject({ status: 'applied', from: 8, to: 10 });
    expect(platform.state.replicas).toBe(10);
    // At the max, a new alert is refused as any trigger is, and its repeats are not refused again.
    const another = notification(highCpu('web-1', 'firing', '2026-11-22T11:00:00Z'));
    const refused = await trigger(url, { body: another });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('Cannot scale above provided max scale value');
    expect((await trigger(url, { body: another })).body).toMatchObject({ status: 'ignored', reason: REPEAT });
  });

  it('keep an alert refused by the cooldown as answered, and forget one whose scaling failed so that a retry acts', async () => {
    const { ns, platform, url } = await setUp(2, { ...scaleUp('myweb'), cooldown: '1h' });
    const web1 = notification(highCpu('web-1', 'firing', '2026-11-22T10:00:00Z'));
    const both = notification(highCpu('web-1', 'firing', '2026-11-22T10:00:00Z'), highCpu('web-2', 'firing', '2026-11-22T10:03:00Z'));
    expect((await trigger(url, { body: web1 })).body).toMatchObject({ status: 'applied', from: 2, to: 3 });
    expect((await trigger(url, { body: both })).status).toBe(429);
    // Alertmanager repeats both after its repeat_interval: web-2 had its answer, so nothing scales.
    expect((await trigger(url, { body: both })).body).toMatchObject({ status: 'ignored', reason: REPEAT });
    expect(platform.state.replicas).toBe(3);

    const failing = await setUp(2);
    failing.platform.state.failWith = 503;
    expect((await trigger(failing.url, { body: web1 })).status).toBe(502);
    failing.platform.state.failWith = 0;
    // Alertmanager retries a 5xx with the same notification.
    expect((await trigger(failing.url, { body: web1 })).body).toMatchObject({ status: 'applied', from: 2, to: 3 });
    expect((await eventsOf(failing.ns)).map((e) => e.status)).toEqual(['applied', 'failed']);
    expect((await eventsOf(ns)).map((e) => e.status)).toEqual(['skipped', 'applied']);
  });

  it('refuse a firing alert Tide cannot tell apart, naming the field, and ignore one that lists no firing alert', async () => {
    const { platform, url } = await setUp(2);
    const noStart = { ...notification(highCpu('web-1', 'firing', '')), alerts: [{ status: 'firing', labels: { alertname: 'HighCPU' }, fingerprint: 'ab' }] };
    const noLabels = { ...notification(highCpu('web-1', 'firing', '')), alerts: [{ status: 'firing', labels: { replicas: 3 }, startsAt: '2026-11-22T10:00:00Z' }] };
    expect(await trigger(url, { body: noStart })).toMatchObject({ status: 400, body: { message: 'Bad request body: alerts[0].startsAt must be a timestamp string' } });
    expect(await trigger(url, { body: noLabels })).toMatchObject({
      status: 400,
      body: { message: 'Bad request body: alerts[0].labels must be an object of strings when the alert has no fingerprint' },
    });
    const noneFiring = { ...notification(highCpu('web-1', 'firing', '')), alerts: [] };
    expect((await trigger(url, { body: noneFiring })).body).toMatchObject({ status: 'ignored', reason: 'no alert in this Alertmanager notification is firing' });
    expect(platform.state.received).toEqual([]);
  });

  it('refuse a bad alertmanager option with a 400 naming the field, and store nothing', async () => {
    const ns = freshNamespace();
    await putHttpService(api.url, ns, 'myweb', 'http://127.0.0.1:9/scale');
    const cases: Array<[unknown, string]> = [
      [{ scaleOn: 'sometimes' }, 'Invalid alertmanager.scaleOn: must be "eachNewAlert" or "everyNotification"'],
      [{ scaleon: 'everyNotification' }, 'Invalid alertmanager: unknown field scaleon; the only field is scaleOn'],
      ['everyNotification', 'Bad request body: alertmanager must be an object'],
    ];
    for (const [alertmanager, message] of cases) {
      const answer = await call(api.url, 'POST', `/v1-webhooks/receivers?projectId=${ns}`, { body: { ...scaleUp('myweb'), alertmanager } });
      expect({ alertmanager, status: answer.status, body: answer.body }).toEqual({
        alertmanager,
        status: 400,
        body: { type: 'error', statusCode: 400, status: 'Bad Request', message },
      });
    }
    expect((await call(api.url, 'GET', `/v1-webhooks/receivers?projectId=${ns}`)).body.data).toEqual([]);
  });
});
