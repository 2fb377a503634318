import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { startFakeCloudWatch, type FakeCloudWatch } from '../support/fakeCloudWatch';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { startHttpApi } from '../support/httpApi';
import { agentFor } from '../support/metricsFeed';

// Rules with a CloudWatch source through POST /v1/evaluate, as the admin function runs it, against
// a fake CloudWatch the real SDK client talks to.

let api: { url: string; close: () => Promise<void> };
let cloudWatch: FakeCloudWatch;
beforeAll(async () => {
  process.env.SCALE_HOOK_SECRET = 'hook-secret';
  cloudWatch = await startFakeCloudWatch();
  process.env.TIDE_CLOUDWATCH_ENDPOINT = cloudWatch.url;
  api = await startHttpApi();
});
afterAll(async () => {
  await api.close();
  await cloudWatch.stop();
  delete process.env.TIDE_CLOUDWATCH_ENDPOINT;
});

const queue = (name: string) => ({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: name } });
/** A worker scaled on its queue's depth: one replica for every 10 messages. */
const onQueue = (name: string) => ({
  rules: [{ type: 'target', metric: 'queue_depth', per: 'service', target: 10, window: '2m', source: { type: 'cloudwatch', ...queue(name), statistic: 'Average', period: '60s' } }],
});
const onCpu = { rules: [{ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, outDuration: '2m' }] };

async function register(ns: string, service: string, url: string, policy: unknown) {
  const put = await call(api.url, 'PUT', `/v1/services/${service}?namespace=${ns}`, {
    body: { mode: 'auto', min: 1, max: 10, target: { provider: 'http', url, credentials: 'env:SCALE_HOOK_SECRET' }, policy },
  });
  expect(put.status).toBe(201);
}

describe('rules with a CloudWatch source, evaluated', () => {
  it('read every service’s queue in one GetMetricData call and scale each to ceil(depth / target)', async () => {
    const ns = freshNamespace();
    const [a, b] = [await startHttpTarget(1), await startHttpTarget(3)];
    await register(ns, 'worker-a', a.url, onQueue('jobs-a'));
    await register(ns, 'worker-b', b.url, onQueue('jobs-b'));
    cloudWatch.set(queue('jobs-a'), 42);
    cloudWatch.set(queue('jobs-b'), 12);
    const before = cloudWatch.calls.length;

    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(cloudWatch.calls.length - before).toBe(1);
    expect(cloudWatch.calls.at(-1)?.body.MetricDataQueries).toHaveLength(2);
    expect(evaluated.body.decisions).toEqual([
      expect.objectContaining({ service: 'worker-a', status: 'applied', from: 1, to: 5, metrics: { 'queue_depth.mean.2m': 42 } }),
      expect.objectContaining({ service: 'worker-b', status: 'applied', from: 3, to: 2, metrics: { 'queue_depth.mean.2m': 12 } }),
    ]);
    const events = await call(api.url, 'GET', `/v1/services/worker-a/events?namespace=${ns}`);
    expect(events.body.items[0]).toMatchObject({ from: 1, to: 5, trigger: 'policy', reason: expect.stringContaining('queue_depth mean 42 for the service vs target 10 a replica; ceil(42 / 10) → 5') });
    await Promise.all([a.close(), b.close()]);
  });

  it('when CloudWatch refuses, holds the rules that read it and says why, and the other rules and services scale as ever', async () => {
    const ns = freshNamespace();
    const [worker, web, both] = [await startHttpTarget(4), await startHttpTarget(2), await startHttpTarget(2)];
    await register(ns, 'worker', worker.url, onQueue('jobs'));
    await register(ns, 'web', web.url, onCpu);
    // One service, two rules: the agents' CPU still scales it while its queue's rule has no data.
    await register(ns, 'both', both.url, { rules: [...onCpu.rules, ...onQueue('jobs').rules] });
    const post = await agentFor(api.url, ns);
    await post('web', [95]);
    await post('both', [95]);
    cloudWatch.set(queue('jobs'), 0);
    cloudWatch.refuse({ status: 400, type: 'AccessDeniedException', message: 'not authorized to perform: cloudwatch:GetMetricData' });
    try {
      const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
      const [mixed, first, second] = evaluated.body.decisions;
      expect(mixed).toMatchObject({ service: 'both', status: 'applied', from: 2, to: 3 });
      expect(mixed.reason).toMatch(/^cpu_ratio mean 95 > 70 for 2m; \+1 → 3; queue_depth: cloudwatch: GetMetricData \(us-east-1\) answered AccessDeniedException/);
      expect(first).toMatchObject({ service: 'web', status: 'applied', from: 2, to: 3 });
      expect(second).toMatchObject({ service: 'worker', status: 'unchanged', from: 4, to: 4 });
      expect(second.reason).toBe(
        'no data for queue_depth in 2m: no scale-in; queue_depth: cloudwatch: GetMetricData (us-east-1) answered AccessDeniedException: not authorized to perform: cloudwatch:GetMetricData',
      );
      const shown = await call(api.url, 'GET', `/v1/services/worker?namespace=${ns}`);
      expect(shown.body.status.lastDecision.reason).toBe(second.reason);
    } finally {
      cloudWatch.refuse(undefined);
    }
    await Promise.all([worker.close(), web.close(), both.close()]);
  });

  it('refuses a rule with a source that does not say what its value is per, naming the field', async () => {
    const ns = freshNamespace();
    const put = await call(api.url, 'PUT', `/v1/services/worker?namespace=${ns}`, {
      body: {
        min: 1,
        max: 10,
        target: { provider: 'http', url: 'http://127.0.0.1:9/scale', credentials: 'env:SCALE_HOOK_SECRET' },
        policy: { rules: [{ type: 'target', metric: 'queue_depth', target: 10, source: { type: 'cloudwatch', ...queue('jobs'), statistic: 'Average', period: '60s' } }] },
      },
    });
    expect(put.status).toBe(400);
    expect(put.body.error.details).toEqual([{ path: 'policy.rules[0].per', message: expect.stringMatching(/^a rule with a source needs per: "replica" .* or "service"/) }]);
    const stored = await call(api.url, 'GET', `/v1/services/worker?namespace=${ns}`);
    expect(stored.status).toBe(404);
  });
});
