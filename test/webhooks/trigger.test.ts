import { describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { call, freshNamespace } from '../support/client';
import { createReceiver, projectWithReceiver, putHttpService, scaleUp, trigger, webhookTestApi } from '../support/webhooks';

const api = webhookTestApi();
const { platforms } = api;

const rancherError = (statusCode: number, status: string, message: string) => ({ type: 'error', statusCode, status, message });

const setUp = (replicas: number, receiver?: Record<string, unknown>) => projectWithReceiver(api, replicas, receiver);

const eventsOf = async (ns: string) => (await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}`)).body.items;

describe('trigger', () => {
  it('scales the service by the amount with a bare POST to the URL, and records a webhook event', async () => {
    const { ns, platform, url } = await setUp(2, { ...scaleUp('myweb'), name: 'scale-web-up' });
    const answer = await trigger(url);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ receiver: 'scale-web-up', driver: 'scaleService', target: 'myweb', from: 2, to: 3, status: 'applied' });
    expect(platform.state.replicas).toBe(3);
    expect(platform.state.received[0]?.body).toMatchObject({ namespace: ns, service: 'myweb', from: 2, to: 3, trigger: 'webhook', reason: 'webhook scale-web-up: up by 1' });
    expect(await eventsOf(ns)).toEqual([
      expect.objectContaining({ service: 'myweb', from: 2, to: 3, trigger: 'webhook', receiver: 'scale-web-up', status: 'applied', reason: 'webhook scale-web-up: up by 1' }),
    ]);
  });

  it('takes key and projectId form-encoded in the body too', async () => {
    const { platform, url } = await setUp(1);
    const parsed = new URL(url);
    const answer = await trigger(`${parsed.origin}${parsed.pathname}`, {
      raw: parsed.searchParams.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(answer.status).toBe(200);
    expect(platform.state.replicas).toBe(2);
  });

  it("refuses a step past the receiver's max or min with Rancher's message, changes nothing, and records the refusal", async () => {
    const up = await setUp(4, scaleUp('myweb', { max: 4 }));
    const above = await trigger(up.url);
    expect(above.status).toBe(400);
    expect(above.body).toEqual(rancherError(400, 'Bad Request', 'Cannot scale above provided max scale value'));
    expect(up.platform.state.received).toEqual([]);
    expect(await eventsOf(up.ns)).toEqual([
      expect.objectContaining({ from: 4, to: 4, status: 'skipped', trigger: 'webhook', receiver: 'scale-myweb-up', reason: 'Cannot scale above provided max scale value' }),
    ]);

    const down = await setUp(2, { name: 'down', driver: 'scaleService', scaleServiceConfig: { serviceId: 'myweb', action: 'down', amount: 2, min: 1, max: 4 } });
    const below = await trigger(down.url);
    expect(below.status).toBe(400);
    expect(below.body).toEqual(rancherError(400, 'Bad Request', 'Cannot scale below provided min scale value'));
    expect(down.platform.state.replicas).toBe(2);
    expect(down.platform.state.received).toEqual([]);
  });

  it("never crosses the service's own bounds either", async () => {
    const { platform, url } = await setUp(3, scaleUp('myweb', { max: 10 }));
    await call(api.url, 'PUT', `/v1/services/myweb?namespace=${new URL(url).searchParams.get('projectId')}`, {
      body: { mode: 'manual', min: 1, max: 3, target: { provider: 'http', url: platform.url } },
    });
    const answer = await trigger(url);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe("Cannot scale above the service's max 3");
    expect(platform.state.received).toEqual([]);
  });

  it('answers 403 for unknown, malformed and revoked keys, and 400 without key or projectId', async () => {
    const { ns, id, url, platform } = await setUp(1);
    const parsed = new URL(url);
    const endpoint = `${parsed.origin}${parsed.pathname}`;
    const revoked = rancherError(403, 'Forbidden', 'Requested webhook has been revoked/does not exist for this account');
    const key = parsed.searchParams.get('key') ?? '';
    const otherKey = `${key.slice(0, 16)}${'A'.repeat(24)}`;

    expect((await trigger(`${endpoint}?key=${otherKey}&projectId=${ns}`)).body).toEqual(revoked);
    expect((await trigger(`${endpoint}?key=${'x'.repeat(40)}&projectId=${ns}`)).body).toEqual(revoked);
    expect((await trigger(`${endpoint}?key=short&projectId=${ns}`)).body).toEqual(revoked);
    expect(await trigger(`${endpoint}?projectId=${ns}`)).toMatchObject({ status: 400, body: rancherError(400, 'Bad Request', "Invalid execute url, should have 'key'") });
    expect(await trigger(`${endpoint}?key=${key}`)).toMatchObject({ status: 400, body: rancherError(400, 'Bad Request', 'Invalid execute url, url must contain projectId') });

    expect((await call(api.url, 'DELETE', `/v1-webhooks/receivers/${id}?projectId=${ns}`)).status).toBe(204);
    const afterDelete = await trigger(url);
    expect(afterDelete.status).toBe(403);
    expect(afterDelete.body).toEqual(revoked);
    expect(platform.state.received).toEqual([]);
  });

  it("lets no other project's id use a receiver", async () => {
    const { url, platform } = await setUp(1);
    const other = freshNamespace();
    await putHttpService(api.url, other, 'myweb', platform.url);
    const parsed = new URL(url);
    parsed.searchParams.set('projectId', other);
    const answer = await trigger(parsed.toString());
    expect(answer.status).toBe(403);
    expect(answer.body.message).toBe('Requested webhook has been revoked/does not exist for this account');
    expect(platform.state.received).toEqual([]);
  });

  it('answers 429 with Retry-After inside the cooldown and changes nothing; a refused trigger does not start it', async () => {
    const { ns, platform, url } = await setUp(1, scaleUp('myweb', { max: 3 }));
    const withCooldown = await createReceiver(api.url, ns, { ...scaleUp('myweb', { max: 3 }), name: 'cooled', cooldown: '1h' });
    expect((await trigger(withCooldown.body.url)).status).toBe(200);
    const again = await trigger(withCooldown.body.url);
    expect(again.status).toBe(429);
    expect(again.body).toEqual(rancherError(429, 'Too Many Requests', expect.stringMatching(/^Webhook is in its cooldown; retry in \d+s$/)));
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect(platform.state.replicas).toBe(2);
    expect((await eventsOf(ns))[0]).toMatchObject({ status: 'skipped', from: 2, to: 2, receiver: 'cooled', reason: expect.stringContaining('cooldown') });

    // At max, a refused trigger gives the cooldown back: the next one is refused for the bound, not the cooldown.
    expect((await trigger(url)).status).toBe(200);
    const full = await createReceiver(api.url, ns, { ...scaleUp('myweb', { max: 3 }), name: 'at-max', cooldown: '1h' });
    expect((await trigger(full.body.url)).body.message).toBe('Cannot scale above provided max scale value');
    expect((await trigger(full.body.url)).body.message).toBe('Cannot scale above provided max scale value');
  });

  it('acts on firing Alertmanager notifications and ignores resolved ones', async () => {
    const { ns, platform, url } = await setUp(2);
    const notification = (status: string) => ({
      version: '4',
      groupKey: '{}:{alertname="HighCPU"}',
      status,
      receiver: 'tide',
      groupLabels: { alertname: 'HighCPU' },
      commonLabels: { alertname: 'HighCPU', severity: 'critical' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [{ status, labels: { alertname: 'HighCPU' }, annotations: {}, startsAt: '2026-11-22T10:00:00Z', endsAt: '0001-01-01T00:00:00Z' }],
    });
    const resolved = await trigger(url, { body: notification('resolved') });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'ignored' });
    expect(platform.state.received).toEqual([]);

    const firing = await trigger(url, { body: notification('firing') });
    expect(firing.status).toBe(200);
    expect(platform.state.replicas).toBe(3);
    expect((await eventsOf(ns))[0]).toMatchObject({ status: 'applied', reason: 'webhook scale-myweb-up: up by 1 (alert HighCPU firing)' });
  });

  it('acts once for retries with the same Idempotency-Key and answers them as it answered the first', async () => {
    const { ns, platform, url } = await setUp(1);
    const first = await trigger(url, { headers: { 'idempotency-key': 'deploy-42' } });
    const retry = await trigger(url, { headers: { 'idempotency-key': 'deploy-42' } });
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(platform.state.received).toHaveLength(1);
    expect(platform.state.replicas).toBe(2);

    expect((await trigger(url, { headers: { 'idempotency-key': 'deploy-43' } })).status).toBe(200);
    expect(platform.state.replicas).toBe(3);
    expect(await eventsOf(ns)).toHaveLength(2);
  });

  it('moves the service twice for two triggers at the same moment: the lease serialises them, none is lost', async () => {
    const { ns, platform, url } = await setUp(1);
    const held = platform.hold();
    const first = trigger(url);
    await held.arrived; // the first holds the service's lease, inside the platform call
    const second = trigger(url);
    held.release();
    const answers = await Promise.all([first, second]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => [a.body.from, a.body.to]).sort()).toEqual([
      [1, 2],
      [2, 3],
    ]);
    expect(platform.state.replicas).toBe(3);
    expect((await eventsOf(ns)).map((e: { status: string }) => e.status)).toEqual(['applied', 'applied']);
  });

  it('acts on a dry-run service: dry-run holds back only the evaluator, as manual scale does', async () => {
    const { ns, platform, url } = await setUp(2);
    const policy = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] };
    await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { mode: 'dry-run', min: 1, max: 10, target: { provider: 'http', url: platform.url }, policy } });
    const answer = await trigger(url);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'applied', from: 2, to: 3 });
    expect(platform.state.replicas).toBe(3);
    expect((await eventsOf(ns))[0]).toMatchObject({ status: 'applied', trigger: 'webhook', from: 2, to: 3 });
  });

  it('answers 502 when the platform refuses, records the failure, and keeps no cooldown', async () => {
    const { ns, platform } = await setUp(1);
    const cooled = await createReceiver(api.url, ns, { ...scaleUp('myweb'), name: 'cooled', cooldown: '1h' });
    platform.state.failWith = 503;
    const answer = await trigger(cooled.body.url);
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ type: 'error', statusCode: 502, status: 'Bad Gateway', message: expect.stringContaining('503') });
    expect((await eventsOf(ns))[0]).toMatchObject({ status: 'failed', receiver: 'cooled' });
    platform.state.failWith = 0;
    expect((await trigger(cooled.body.url)).status).toBe(200);
  });

  it('limits how often one key may trigger, with 429 and Retry-After', async () => {
    // As deployed with TIDE_WEBHOOK_RATE_LIMIT=3/1h: the functions here share this Tide.
    const { config } = tide();
    const previous = config.webhookRateLimit;
    config.webhookRateLimit = { limit: 3, windowMs: 3_600_000 };
    try {
      const { url, platform } = await setUp(1, scaleUp('myweb', { max: 100 }));
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await trigger(url));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(answers[3]?.body.message).toBe('Too many triggers for this webhook: at most 3 per 1h');
      expect(Number(answers[3]?.headers.get('retry-after'))).toBeGreaterThan(3500);
      expect(platform.state.replicas).toBe(4);
    } finally {
      config.webhookRateLimit = previous;
    }
  });
});
