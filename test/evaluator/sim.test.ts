import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { startHttpApi } from '../support/httpApi';

let api: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  api = await startHttpApi();
});
afterAll(async () => {
  await api.close();
});

describe('a simulated service in the evaluator', () => {
  it('reports its own load, scales out on it, and holds at max', async () => {
    const ns = freshNamespace();
    const put = await call(api.url, 'PUT', `/v1/services/demo?namespace=${ns}`, {
      body: {
        min: 1,
        max: 5,
        target: { provider: 'sim', offeredLoad: 200, capacityPerReplica: 50, initialReplicas: 2, startupDelay: '60s' },
        policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] },
      },
    });
    expect(put.status).toBe(201);

    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    // 200 load on 2 replicas of 50 → cpu 200%; ceil(2 × 200 / 60) = 7, limited by max 5.
    expect(evaluated.body.decisions[0]).toMatchObject({ status: 'applied', from: 2, to: 5, metrics: { 'cpu_ratio.mean.1m': 200 } });
    expect(evaluated.body.decisions[0].reason).toContain('limited by max 5');

    const metrics = await call(api.url, 'GET', `/v1/services/demo/metrics?namespace=${ns}&metric=cpu_ratio`);
    expect(metrics.body.points).toEqual([expect.objectContaining({ value: 200, count: 2 })]);
    const shown = await call(api.url, 'GET', `/v1/services/demo?namespace=${ns}`);
    expect(shown.body.status).toMatchObject({ replicas: 5, desired: 5 });
  });
});
