import { createHmac } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { evaluateServices } from '../../lib/evaluator/evaluate';
import { keys } from '../../lib/store/keys';
import { call, freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { startHttpApi } from '../support/httpApi';
import { agentFor } from '../support/metricsFeed';

let api: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  process.env.SCALE_HOOK_SECRET = 'hook-secret';
  api = await startHttpApi();
});
afterAll(async () => {
  await api.close();
});

const policy = {
  rules: [{ type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '2m', increaseBy: 1, scaleInBelow: 10, inDuration: '2m', decreaseBy: 1 }],
};

async function register(ns: string, service: string, url: string, extra: Record<string, unknown> = {}) {
  const answer = await call(api.url, 'PUT', `/v1/services/${service}?namespace=${ns}`, {
    body: { mode: 'auto', min: 1, max: 4, target: { provider: 'http', url, credentials: 'env:SCALE_HOOK_SECRET' }, policy, ...extra },
  });
  expect(answer.status).toBe(201);
}


/** A hot service on a platform, and an evaluation of it that holds the lease while it waits inside the platform's scale call. */
async function evaluationHeldInsideThePlatform() {
  const ns = freshNamespace();
  const platform = await startHttpTarget(1);
  await register(ns, 'myweb', platform.url);
  await (await agentFor(api.url, ns))('myweb', [99]);
  const app = tide();
  const held = platform.hold();
  const first = evaluateServices(app, { owner: 'first', namespace: ns, deadline: app.now() + 10_000 });
  await held.arrived;
  return { ns, app, platform, held, first };
}
describe('evaluator, end to end', () => {
  it('turns high CPU into a signed scale call, an event with its reason, and new replicas', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(3);
    await register(ns, 'myweb', platform.url);
    const post = await agentFor(api.url, ns);
    await post('myweb', [80, 86.2]);

    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(evaluated.status).toBe(200);
    expect(evaluated.body.decisions).toEqual([
      expect.objectContaining({ service: 'myweb', status: 'applied', from: 3, to: 4, reason: expect.stringContaining('cpu_ratio mean 83.1 > 70 for 2m') }),
    ]);

    expect(platform.state.received).toHaveLength(1);
    const [scale] = platform.state.received;
    expect(scale?.body).toMatchObject({ namespace: ns, service: 'myweb', from: 3, to: 4, trigger: 'policy' });
    expect(scale?.signature).toBe(`sha256=${createHmac('sha256', 'hook-secret').update(scale?.raw ?? '').digest('hex')}`);

    const events = await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}`);
    expect(events.body.items).toEqual([expect.objectContaining({ service: 'myweb', from: 3, to: 4, trigger: 'policy', status: 'applied', reason: expect.stringMatching(/^cpu_ratio mean 83\.1 > 70 for 2m/) })]);
    const shown = await call(api.url, 'GET', `/v1/services/myweb?namespace=${ns}`);
    expect(shown.body.status).toMatchObject({ replicas: 4, desired: 4, lastDecision: { replicas: 4 } });
    await platform.close();
  });

  it('in dry-run decides and records, and never calls the platform', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(2);
    await register(ns, 'myweb', platform.url, { mode: 'dry-run' });
    await (await agentFor(api.url, ns))('myweb', [95]);
    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(evaluated.body.decisions[0]).toMatchObject({ status: 'skipped', from: 2, to: 3, detail: 'dry-run: would scale 2 → 3' });
    expect(platform.state.received).toEqual([]);
    const events = await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}`);
    expect(events.body.items[0]).toMatchObject({ status: 'skipped', from: 2, to: 3 });
    await platform.close();
  });

  it('records a failing platform as a failed event and still scales the other services', async () => {
    const ns = freshNamespace();
    const broken = await startHttpTarget(2);
    broken.state.failWith = 503;
    const healthy = await startHttpTarget(2);
    await register(ns, 'broken', broken.url);
    await register(ns, 'healthy', healthy.url);
    const post = await agentFor(api.url, ns);
    await post('broken', [90]);
    await post('healthy', [90]);
    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(evaluated.body.decisions).toEqual([
      expect.objectContaining({ service: 'broken', status: 'failed', detail: expect.stringContaining('503') }),
      expect.objectContaining({ service: 'healthy', status: 'applied', to: 3 }),
    ]);
    const events = await call(api.url, 'GET', `/v1/services/broken/events?namespace=${ns}`);
    expect(events.body.items[0]).toMatchObject({ status: 'failed', from: 2, to: 3 });
    expect(healthy.state.replicas).toBe(3);
    await Promise.all([broken.close(), healthy.close()]);
  });

  it('does not scale in without data, and scales in when every rule agrees', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(3);
    await register(ns, 'quiet', platform.url, { policy: { ...policy, stabilization: { scaleIn: '0s' } } });
    let evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(evaluated.body.decisions[0]).toMatchObject({ status: 'unchanged', from: 3, to: 3, reason: expect.stringContaining('no data') });
    await (await agentFor(api.url, ns))('quiet', [2, 4]);
    evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(evaluated.body.decisions[0]).toMatchObject({ status: 'applied', from: 3, to: 2 });
    await platform.close();
  });

  it('acts once when two evaluations of one service overlap', async () => {
    const { ns, app, platform, held, first } = await evaluationHeldInsideThePlatform();
    const second = await evaluateServices(app, { owner: 'second', namespace: ns, deadline: app.now() + 10_000 });
    held.release();
    expect((await first)[0]).toMatchObject({ status: 'applied', from: 1, to: 2 });
    expect(second[0]).toMatchObject({ status: 'busy' });
    expect(platform.state.received).toHaveLength(1);
    await platform.close();
  });

  it('leaves manual-mode services to operators', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(1);
    await register(ns, 'handsoff', platform.url, { mode: 'manual' });
    await (await agentFor(api.url, ns))('handsoff', [99]);
    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(evaluated.body.decisions).toEqual([]);
    await platform.close();
  });
});

describe('an on-demand dry run', () => {
  /** The service's state item as stored, lease attributes included; undefined when there is none. */
  async function storedState(ns: string, service: string) {
    const app = tide();
    return (await app.db.send(new GetCommand({ TableName: app.config.tableName, Key: keys.serviceState(ns, service) }))).Item;
  }
  const history = async (ns: string, service: string) => (await call(api.url, 'GET', `/v1/services/${service}/events?namespace=${ns}`)).text;

  it('answers what each service would do, and creates no state, no event and no lease', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(3);
    await register(ns, 'myweb', platform.url);
    await register(ns, 'trial', platform.url, { mode: 'dry-run' });
    const post = await agentFor(api.url, ns);
    await post('myweb', [90]);
    await post('trial', [90]);

    const whatIf = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns, dryRun: true } });
    expect(whatIf.status).toBe(200);
    expect(whatIf.body.decisions).toEqual([
      expect.objectContaining({ service: 'myweb', mode: 'auto', status: 'skipped', from: 3, to: 4, detail: 'dry-run: would scale 3 → 4', reason: expect.stringContaining('cpu_ratio mean 90 > 70'), metrics: { 'cpu_ratio.mean.2m': 90 } }),
      expect.objectContaining({ service: 'trial', mode: 'dry-run', status: 'skipped', from: 3, to: 4, detail: 'dry-run: would scale 3 → 4' }),
    ]);
    expect(platform.state.received).toEqual([]);
    for (const service of ['myweb', 'trial']) {
      expect(await storedState(ns, service)).toBeUndefined();
      expect(JSON.parse(await history(ns, service)).items).toEqual([]);
    }
    await platform.close();
  });

  it('leaves the history and the state of evaluated services exactly as they were', async () => {
    const ns = freshNamespace();
    const [platform, trialPlatform] = await Promise.all([startHttpTarget(3), startHttpTarget(3)]);
    await register(ns, 'myweb', platform.url);
    await register(ns, 'trial', trialPlatform.url, { mode: 'dry-run' });
    const post = await agentFor(api.url, ns);
    await post('myweb', [90]);
    await post('trial', [90]);
    // Evaluated for real first: the auto service scales, the dry-run one records what it would do.
    const real = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(real.body.decisions).toEqual([expect.objectContaining({ service: 'myweb', status: 'applied' }), expect.objectContaining({ service: 'trial', status: 'skipped' })]);
    const before = await Promise.all(['myweb', 'trial'].map(async (s) => ({ history: await history(ns, s), state: await storedState(ns, s) })));
    expect(JSON.parse(before[1]!.history).items).toEqual([expect.objectContaining({ status: 'skipped', from: 3, to: 4 })]);

    const whatIf = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns, dryRun: true } });
    expect(whatIf.body.decisions).toEqual([
      expect.objectContaining({ service: 'myweb', status: 'unchanged', from: 4, to: 4, reason: expect.stringContaining('still starting') }),
      expect.objectContaining({ service: 'trial', status: 'skipped', from: 3, to: 4 }),
    ]);
    const after = await Promise.all(['myweb', 'trial'].map(async (s) => ({ history: await history(ns, s), state: await storedState(ns, s) })));
    expect(after).toEqual(before);
    expect(platform.state.received).toHaveLength(1);
    expect(trialPlatform.state.received).toEqual([]);
    await Promise.all([platform.close(), trialPlatform.close()]);
  });

  it('goes ahead while a scaling holds the service, and does not hold up the scheduled evaluation', async () => {
    const { ns, app, platform, held, first: real } = await evaluationHeldInsideThePlatform();
    expect(await evaluateServices(app, { owner: 'what-if', namespace: ns, dryRun: true, deadline: app.now() + 10_000 })).toEqual([expect.objectContaining({ status: 'skipped', from: 1, to: 2 })]);
    held.release();
    expect((await real)[0]).toMatchObject({ status: 'applied', from: 1, to: 2 });
    await platform.close();
  });
});

describe('manual scale', () => {
  it('scales through the platform and records a manual event', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(2);
    await register(ns, 'myweb', platform.url);
    const answer = await call(api.url, 'POST', `/v1/services/myweb/scale?namespace=${ns}`, { body: { replicas: 4, reason: 'release' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ from: 2, to: 4, status: 'applied' });
    expect(platform.state.received[0]?.body).toMatchObject({ from: 2, to: 4, trigger: 'manual', reason: 'release' });
    const events = await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}&limit=1`);
    expect(events.body.items).toEqual([expect.objectContaining({ trigger: 'manual', from: 2, to: 4, status: 'applied', reason: 'release' })]);
    await platform.close();
  });

  it('refuses replicas outside min and max with 400 and changes nothing', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(2);
    await register(ns, 'myweb', platform.url);
    const answer = await call(api.url, 'POST', `/v1/services/myweb/scale?namespace=${ns}`, { body: { replicas: 9 } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([{ path: 'replicas', message: "must be within the service's min 1 and max 4" }]);
    expect(platform.state.received).toEqual([]);
    await platform.close();
  });

  it('answers 502 when the platform fails, and records it', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(2);
    platform.state.failWith = 500;
    await register(ns, 'myweb', platform.url);
    const answer = await call(api.url, 'POST', `/v1/services/myweb/scale?namespace=${ns}`, { body: { replicas: 3 } });
    expect(answer.status).toBe(502);
    expect(answer.body.error.code).toBe('upstream_failed');
    expect(answer.text).not.toContain('hook-secret');
    const events = await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}`);
    expect(events.body.items[0]).toMatchObject({ trigger: 'manual', status: 'failed' });
    await platform.close();
  });

  it('answers 404 for an unknown service', async () => {
    expect((await call(api.url, 'POST', `/v1/services/nope/scale?namespace=${freshNamespace()}`, { body: { replicas: 1 } })).status).toBe(404);
  });
});

describe('stored documents', () => {
  it('evaluates a service stored before a newer policy default existed, filling the default in', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(2);
    const app = tide();
    // As an older Tide stored it: no readinessDelay.
    const old = {
      namespace: ns, service: 'legacy', mode: 'auto', min: 1, max: 5, evaluationInterval: '1m',
      target: { provider: 'http', url: platform.url, timeout: '5s' },
      policy: { rules: [{ type: 'target', metric: 'cpu_ratio', statistic: 'mean', target: 60, tolerance: 0.1, window: '1m' }], cooldown: { scaleOut: '0s', scaleIn: '0s' }, stabilization: { scaleOut: '0s', scaleIn: '5m' }, limits: { scaleOut: [], scaleIn: [], selectPolicy: { scaleOut: 'max', scaleIn: 'max' } } },
    };
    await app.services.put(old as never, app.now());
    await (await agentFor(api.url, ns))('legacy', [90]);
    const [result] = await evaluateServices(app, { owner: 'old-doc', namespace: ns, deadline: app.now() + 10_000 });
    expect(result).toMatchObject({ status: 'applied', from: 2, to: 3 });
    await platform.close();
  });
});
