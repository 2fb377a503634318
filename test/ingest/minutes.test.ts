import { describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { httpApiForTests } from '../support/httpApi';
import { closedPortUrl } from '../support/loopback';
import { newAgentKey } from '../support/metricsFeed';
import { expectFieldRefused } from '../support/problems';

const api = httpApiForTests();
const MINUTE = 60_000;
/** A minute ten minutes ago, well inside what ingest takes. */
const base = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

const post = (key: string, body: unknown) => call(api.url, 'POST', '/v1/metrics', { body, token: key });

/** One node's minute of myweb: `containers` containers, CPU 30 to 45 over `count` samples. */
function minute(overrides: { start?: number; seq?: number; containers?: number; count?: number; sum?: number } = {}) {
  const count = overrides.count ?? 24;
  return {
    start: iso(overrides.start ?? base),
    seq: overrides.seq ?? 6,
    services: { myweb: { containers: overrides.containers ?? 4, metrics: { cpu_ratio: { count, sum: overrides.sum ?? 900, min: 30, max: 45 } } } },
  };
}

async function points(namespace: string, service: string, metric: string, stat = 'mean') {
  const answer = await call(api.url, 'GET', `/v1/services/${service}/metrics?namespace=${namespace}&metric=${metric}&stat=${stat}&from=${iso(base - 5 * MINUTE)}&to=${iso(base + 10 * MINUTE)}`);
  expect(answer.status).toBe(200);
  return answer.body.points as Array<{ ts: string; value: number; count: number }>;
}

describe('POST /v1/metrics with minutes (what the agent sends)', () => {
  it('stores a minute and reads it back as count, mean, min and max', async () => {
    const agent = await newAgentKey(api.url);
    expect(await post(agent.key, { node: 'n1', batchId: 'p-1', minutes: [minute()] })).toMatchObject({ status: 202, body: { accepted: 24, duplicate: false } });
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio')).toEqual([{ ts: iso(base), value: 37.5, count: 24 }]);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'max')).toEqual([{ ts: iso(base), value: 45, count: 24 }]);
  });

  it('replaces a minute with a later post of it (a higher seq), and answers 200 duplicate to a retry or an older post', async () => {
    const agent = await newAgentKey(api.url);
    expect((await post(agent.key, { node: 'n1', minutes: [minute({ seq: 3, count: 12, sum: 420 })] })).status).toBe(202);
    expect((await post(agent.key, { node: 'n1', minutes: [minute({ seq: 6 })] })).status).toBe(202);
    expect(await post(agent.key, { node: 'n1', minutes: [minute({ seq: 6 })] })).toMatchObject({ status: 200, body: { accepted: 0, duplicate: true } });
    expect(await post(agent.key, { node: 'n1', minutes: [minute({ seq: 3, count: 12, sum: 420 })] })).toMatchObject({ status: 200, body: { accepted: 0, duplicate: true } });
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio')).toEqual([{ ts: iso(base), value: 37.5, count: 24 }]);
  });

  it('adds nodes up, and a post of several minutes stores those it brings news of', async () => {
    const agent = await newAgentKey(api.url);
    expect((await post(agent.key, { node: 'n1', minutes: [minute()] })).status).toBe(202);
    const both = await post(agent.key, { node: 'n2', minutes: [minute({ sum: 600 }), minute({ start: base + MINUTE, seq: 1, count: 4, sum: 200 })] });
    expect(both).toMatchObject({ status: 202, body: { accepted: 28 } });
    const again = await post(agent.key, { node: 'n2', minutes: [minute({ sum: 600 }), minute({ start: base + MINUTE, seq: 2, count: 8, sum: 400 })] });
    expect(again).toMatchObject({ status: 202, body: { accepted: 8 } });
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([
      { ts: iso(base), value: 48, count: 48 },
      { ts: iso(base + MINUTE), value: 8, count: 8 },
    ]);
  });

  it('counts the containers every node saw for the replicas fallback', async () => {
    const agent = await newAgentKey(api.url);
    const now = Date.now();
    const start = Math.floor(now / MINUTE) * MINUTE - MINUTE;
    expect((await post(agent.key, { node: 'n1', minutes: [minute({ start, containers: 3 })] })).status).toBe(202);
    expect((await post(agent.key, { node: 'n2', minutes: [minute({ start, containers: 2 })] })).status).toBe(202);
    // An http target that does not answer GET: the evaluator counts the containers that reported.
    const put = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${agent.namespace}`, {
      body: {
        mode: 'dry-run',
        min: 1,
        max: 10,
        target: { provider: 'http', url: await closedPortUrl() },
        policy: { rules: [{ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 90, outDuration: '2m', increaseBy: 1 }] },
      },
    });
    expect(put.status).toBe(201);
    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: agent.namespace, dryRun: true } });
    expect(evaluated.body.decisions).toEqual([expect.objectContaining({ from: 5 })]);
  });

  const cases: Array<{ name: string; body: (key: string) => unknown; path: string; message: RegExp }> = [
    { name: 'samples and minutes together', body: () => ({ node: 'n1', samples: [], minutes: [minute()] }), path: 'minutes', message: /samples or minutes, not both/ },
    { name: 'no minutes', body: () => ({ node: 'n1', minutes: [] }), path: 'minutes', message: /at least 1 minute/ },
    { name: 'a start inside a minute', body: () => ({ node: 'n1', minutes: [{ ...minute(), start: iso(base + 5_000) }] }), path: 'minutes[0].start', message: /start of a minute/ },
    { name: 'a minute that ended over an hour ago', body: () => ({ node: 'n1', minutes: [minute({ start: base - 55 * MINUTE })] }), path: 'minutes[0].start', message: /no more than 1h ago/ },
    { name: 'a minute 7 minutes ahead', body: () => ({ node: 'n1', minutes: [minute({ start: Math.floor(Date.now() / MINUTE) * MINUTE + 7 * MINUTE })] }), path: 'minutes[0].start', message: /5m ahead/ },
    { name: 'seq 0', body: () => ({ node: 'n1', minutes: [minute({ seq: 0 })] }), path: 'minutes[0].seq', message: /integer from 1/ },
    { name: 'the same minute twice', body: () => ({ node: 'n1', minutes: [minute(), minute()] }), path: 'minutes', message: /must not repeat a minute/ },
    { name: 'no containers', body: () => ({ node: 'n1', minutes: [minute({ containers: 0 })] }), path: 'minutes[0].services.myweb.containers', message: /integer from 1/ },
    { name: 'a count of 0', body: () => ({ node: 'n1', minutes: [minute({ count: 0 })] }), path: 'minutes[0].services.myweb.metrics.cpu_ratio.count', message: /integer from 1/ },
    {
      name: 'min above max',
      body: () => ({ node: 'n1', minutes: [{ ...minute(), services: { myweb: { containers: 1, metrics: { cpu_ratio: { count: 1, sum: 5, min: 9, max: 5 } } } } }] }),
      path: 'minutes[0].services.myweb.metrics.cpu_ratio.min',
      message: /not be above max/,
    },
    {
      name: 'mem_ratio over 100',
      body: () => ({ node: 'n1', minutes: [{ ...minute(), services: { myweb: { containers: 1, metrics: { mem_ratio: { count: 1, sum: 101, min: 101, max: 101 } } } } }] }),
      path: 'minutes[0].services.myweb.metrics.mem_ratio.max',
      message: /0 to 100/,
    },
    {
      name: 'a bad service name',
      body: () => ({ node: 'n1', minutes: [{ ...minute(), services: { 'my web': minute().services.myweb } }] }),
      path: 'minutes[0].services.my web',
      message: /1-128 characters/,
    },
    {
      name: 'a bad metric name',
      body: () => ({ node: 'n1', minutes: [{ ...minute(), services: { myweb: { containers: 1, metrics: { '9lives': { count: 1, sum: 1, min: 1, max: 1 } } } } }] }),
      path: 'minutes[0].services.myweb.metrics.9lives',
      message: /must be built-in or match/,
    },
    { name: 'a sum that is no number', body: () => ({ node: 'n1', minutes: [{ ...minute(), services: { myweb: { containers: 1, metrics: { cpu_ratio: { count: 1, sum: 'x', min: 1, max: 1 } } } } }] }), path: 'minutes[0].services.myweb.metrics.cpu_ratio.sum', message: /finite number/ },
  ];

  it.each(cases)('$name → 400 naming $path, nothing stored', async ({ body, path, message }) => {
    const agent = await newAgentKey(api.url);
    const answer = await post(agent.key, body(agent.key));
    expectFieldRefused(answer, path, message);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([]);
  });
});
