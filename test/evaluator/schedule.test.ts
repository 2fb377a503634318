import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tide } from '../../lib/app';
import { evaluateServices, workerOfService } from '../../lib/evaluator/evaluate';
import { runEvaluator, tickOffsets, workerShard, type EvaluatorDeps } from '../../lib/evaluator/schedule';
import { RECORD_MS } from '../../lib/scaling/deadline';
import { workerInvoker } from '../../lib/evaluator/workers';
import { MinuteStore } from '../../lib/store/minutes';
import type { StoredService } from '../../lib/store/services';
import { freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { isolatedTide } from '../support/isolated';

const policy = {
  rules: [{ type: 'target' as const, metric: 'cpu_ratio', statistic: 'mean' as const, target: 60, tolerance: 0.1, window: '1m' }],
  cooldown: { scaleOut: '0s', scaleIn: '0s' },
  stabilization: { scaleOut: '0s', scaleIn: '0s' },
  limits: { scaleOut: [], scaleIn: [], selectPolicy: { scaleOut: 'max' as const, scaleIn: 'max' as const } },
};

/** The scheduled evaluator's Lambda timeout (serverless.yml). */
const EVALUATOR_TIMEOUT_MS = 75_000;

async function addService(app: Tide, namespace: string, service: string, url: string, evaluationInterval = '1m') {
  const svc = { namespace, service, mode: 'auto', min: 1, max: 10, evaluationInterval, target: { provider: 'http', url, timeout: '5s' }, policy } as unknown as StoredService;
  await app.services.put(svc, app.now());
}

/** A clock that only moves when the evaluator sleeps, so a whole minute of ticks runs at once. */
function steppedClock(start: number) {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    sleepUntil: async (at: number) => {
      slept.push(at - start);
      now = Math.max(now, at);
    },
    slept,
  };
}

/** A platform whose every GET waits until `release()`; then it answers 1 replica. */
async function heldPlatform() {
  const waiting: Array<() => void> = [];
  let released = false;
  const server = createServer((req, res) => {
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"replicas": 1}');
    if (released) answer();
    else waiting.push(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/scale`,
    release() {
      released = true;
      waiting.splice(0).forEach((answer) => answer());
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('tickOffsets', () => {
  it.each([
    { name: 'one-minute services only', intervals: [60_000], offsets: [0] },
    { name: 'a 15s service', intervals: [60_000, 15_000], offsets: [0, 15_000, 30_000, 45_000] },
    { name: '20s and 30s services', intervals: [20_000, 30_000], offsets: [0, 20_000, 30_000, 40_000] },
    { name: 'no services', intervals: [], offsets: [0] },
  ])('$name → $offsets', ({ intervals, offsets }) => {
    expect(tickOffsets(intervals)).toEqual(offsets);
  });
});

describe('workerOfService', () => {
  const services = Array.from({ length: 200 }, (_, i) => ({ namespace: 'default', service: `svc-${i}` }));
  /** The storage shards each worker's services are in, with `shards` storage shards and `count` workers. */
  const shardsByWorker = (shards: number, count: number) => {
    const minutes = new MinuteStore(undefined as never, 'unused', shards);
    const byWorker = new Map<number, Set<number>>();
    for (const svc of services) {
      const worker = workerOfService(svc, count, { minutes });
      expect(worker).toBeGreaterThanOrEqual(0);
      expect(worker).toBeLessThan(count);
      byWorker.set(worker, (byWorker.get(worker) ?? new Set()).add(minutes.shardOf(svc.service)));
    }
    return byWorker;
  };

  it('gives each storage shard of metrics to one worker when there are as many shards as workers or more', () => {
    const byWorker = shardsByWorker(8, 4);
    expect(byWorker.size).toBe(4);
    expect([...byWorker.values()].flatMap((s) => [...s]).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('spreads a shard over workers ÷ shards workers when there are fewer shards, each reading that shard only', () => {
    const byWorker = shardsByWorker(2, 6);
    expect(byWorker.size).toBe(6);
    for (const shards of byWorker.values()) expect(shards.size).toBe(1);
  });
});

describe('scheduled evaluator', () => {
  let platform: Awaited<ReturnType<typeof startHttpTarget>>;
  beforeAll(async () => {
    platform = await startHttpTarget(1);
  });
  afterAll(async () => {
    await platform.close();
  });

  it('evaluates a 15s service four times a minute and a 1m service once', async () => {
    const ns = freshNamespace();
    const clock = steppedClock(Date.now());
    const app = await isolatedTide({}, clock.now);
    await addService(app, ns, 'fast', platform.url, '15s');
    await addService(app, ns, 'steady', platform.url, '1m');
    const deps: EvaluatorDeps = { invokeWorker: () => Promise.reject(new Error('no fan-out expected')), sleepUntil: clock.sleepUntil };
    const summary = await runEvaluator(app, { source: 'aws.events' }, deps, { owner: 'tick-test', deadline: clock.now() + EVALUATOR_TIMEOUT_MS });
    const mine = summary.results;
    expect(mine.filter((r) => r.service === 'fast')).toHaveLength(4);
    expect(mine.filter((r) => r.service === 'steady')).toHaveLength(1);
    expect(clock.slept).toEqual(expect.arrayContaining([0, 15_000, 30_000, 45_000]));
  });

  it('fans out to Lambda workers through the Invoke API and each service is evaluated once', async () => {
    // Past one service per worker the scheduled run splits; the workers are started with the
    // real Lambda client against a stand-in for the Lambda Invoke API on 127.0.0.1.
    const ns = freshNamespace();
    const clock = steppedClock(Date.now());
    const app = await isolatedTide({ servicesPerWorker: 1 }, clock.now);
    for (const name of ['a', 'b', 'c']) await addService(app, ns, name, platform.url);
    const invocations: Array<{ type: string | undefined; payload: unknown; results: Promise<unknown> }> = [];
    const lambdaApi = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        invocations.push({ type: req.headers['x-amz-invocation-type'] as string, payload, results: runEvaluator(app, payload, deps, { owner: `worker-${invocations.length}`, deadline: clock.now() + EVALUATOR_TIMEOUT_MS }) });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => lambdaApi.listen(0, '127.0.0.1', resolve));
    const address = lambdaApi.address();
    const lambda = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const deps: EvaluatorDeps = {
      invokeWorker: workerInvoker({ ...app.config, endpoints: { ...app.config.endpoints, lambda }, evaluatorFunction: 'tide-test-evaluator' }),
      sleepUntil: clock.sleepUntil,
    };
    try {
      const summary = await runEvaluator(app, { source: 'aws.events' }, deps, { owner: 'scheduler', deadline: clock.now() + EVALUATOR_TIMEOUT_MS });
      expect(summary.workers).toBe(3);
      expect(invocations).toHaveLength(3);
      expect(invocations.every((i) => i.type === 'Event')).toBe(true);
      const results = (await Promise.all(invocations.map((i) => i.results))) as Array<{ results: Array<{ namespace: string; service: string }> }>;
      const mine = results.flatMap((r) => r.results).map((r) => r.service);
      expect(mine.sort()).toEqual(['a', 'b', 'c']);
    } finally {
      await new Promise<void>((resolve) => lambdaApi.close(() => resolve()));
    }
  });

  it('starts every tick on time while a slow service of an earlier tick still waits on its platform', async () => {
    const ns = freshNamespace();
    const clock = steppedClock(Date.now());
    const app = await isolatedTide({}, clock.now);
    const slow = await heldPlatform();
    await addService(app, ns, 'fast', platform.url, '15s');
    await addService(app, ns, 'slow', slow.url, '1m');
    // The slow platform answers only once the last tick has begun: ticks that waited for it would never get there.
    const deps: EvaluatorDeps = {
      invokeWorker: () => Promise.reject(new Error('no fan-out expected')),
      sleepUntil: async (at) => {
        await clock.sleepUntil(at);
        if (clock.slept.at(-1) === 45_000) slow.release();
      },
    };
    const summary = await runEvaluator(app, { source: 'aws.events' }, deps, { owner: 'slow-test', deadline: clock.now() + EVALUATOR_TIMEOUT_MS });
    expect(summary.results.filter((r) => r.service === 'fast')).toHaveLength(4);
    expect(summary.results.filter((r) => r.service === 'slow')).toEqual([expect.objectContaining({ status: 'unchanged', from: 1, to: 1 })]);
    await slow.close();
  });
});

describe('each service’s deadline', () => {
  it('ends a service whose platform does not answer in time as a recorded failure, and the others go on', async () => {
    const ns = freshNamespace();
    const clock = steppedClock(Date.now());
    const app = await isolatedTide({}, clock.now);
    const [slow, healthy] = await Promise.all([heldPlatform(), startHttpTarget(2)]);
    await addService(app, ns, 'slow', slow.url);
    await addService(app, ns, 'healthy', healthy.url);
    // 0.3 s for the platform once the time to record is set aside.
    const results = await evaluateServices(app, { owner: 'deadline-test', namespace: ns, deadline: clock.now() + RECORD_MS + 300 });
    expect(results).toEqual([
      expect.objectContaining({ service: 'healthy', status: 'unchanged', from: 2, to: 2 }),
      expect.objectContaining({ service: 'slow', status: 'failed', reason: 'could not read the current replicas', detail: expect.stringMatching(/^http read failed: no answer within the 0\.[0-9]s this request had left for the platform$/) }),
    ]);
    expect(await app.events.list(ns, 'slow', 10)).toEqual([expect.objectContaining({ status: 'failed', detail: results[1]?.detail })]);
    slow.release();
    await Promise.all([slow.close(), healthy.close()]);
  });
});

describe('a worker’s payload', () => {
  it.each([
    { name: 'a worker’s shard', event: { shard: { index: 2, count: 4 } }, shard: { index: 2, count: 4 } },
    { name: 'the first of one', event: { shard: { index: 0, count: 1 } }, shard: { index: 0, count: 1 } },
    { name: 'no shard in the scheduled event', event: { source: 'aws.events' }, shard: undefined },
    { name: 'no shard in nothing', event: null, shard: undefined },
    { name: 'no shard with a negative index', event: { shard: { index: -1, count: 4 } }, shard: undefined },
    { name: 'no shard with no workers', event: { shard: { index: 0, count: 0 } }, shard: undefined },
    { name: 'no shard with a fraction', event: { shard: { index: 0.5, count: 4 } }, shard: undefined },
    { name: 'no shard with text', event: { shard: { index: '1', count: 4 } }, shard: undefined },
  ])('reads $name', ({ event, shard }) => {
    expect(workerShard(event)).toEqual(shard);
  });
});
