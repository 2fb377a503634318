import { GetCommand, NumberValue, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { keys } from '../../lib/store/keys';
import { call, freshNamespace } from '../support/client';
import { httpApiForTests } from '../support/httpApi';
import { newAgentKey } from '../support/metricsFeed';
import { expectFieldRefused } from '../support/problems';

const api = httpApiForTests();
const MINUTE = 60_000;
/** A bucket start ten minutes ago, so every sample is well inside the accepted window. */
const base = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

function sample(overrides: Record<string, unknown> = {}) {
  return { ts: iso(base + 5_000), service: 'myweb', container: 'c1', cpu_ratio: 37.5, ...overrides };
}

/** `count` custom metrics m<from>, m<from + 1>…, each worth 1. */
const customMetrics = (from: number, count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`m${from + i}`, 1]));

/** `gzip` posts as the agent does: compressed, labelled application/octet-stream so the HTTP API passes the bytes intact. */
const post = (key: string | null, body: unknown, options: { gzip?: boolean; query?: string } = {}) =>
  call(api.url, 'POST', `/v1/metrics${options.query ?? ''}`, {
    body,
    token: key,
    ...(options.gzip ? { gzip: true, headers: { 'content-type': 'application/octet-stream' } } : {}),
  });

async function points(namespace: string, service: string, metric: string, stat = 'mean') {
  const answer = await call(
    api.url,
    'GET',
    `/v1/services/${service}/metrics?namespace=${namespace}&metric=${metric}&stat=${stat}&from=${iso(base - 5 * MINUTE)}&to=${iso(base + 10 * MINUTE)}`,
  );
  expect(answer.status).toBe(200);
  return answer.body.points as Array<{ ts: string; value: number; count: number }>;
}

describe('agent authentication', () => {
  it('answers 401 without a credential, with an unknown key, and with the admin token', async () => {
    const body = { node: 'n1', samples: [sample()] };
    for (const token of [null, 'tide_ak_AAAAAAAAAAAAAAAA_' + 'x'.repeat(40), 'not-a-key', 'test-admin-token']) {
      const answer = await post(token, body);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    }
  });

  it('refuses a key at once after it is revoked', async () => {
    const agent = await newAgentKey(api.url);
    expect((await post(agent.key, { node: 'n1', samples: [sample()] })).status).toBe(202);
    expect((await call(api.url, 'DELETE', `/v1/keys/${agent.id}`)).status).toBe(204);
    const answer = await post(agent.key, { node: 'n1', samples: [sample()] });
    expect(answer.status).toBe(401);
  });

  it("answers 403 when a key posts into another namespace, and stores nothing there", async () => {
    const agent = await newAgentKey(api.url);
    const other = freshNamespace();
    const answer = await post(agent.key, { node: 'n1', samples: [sample()] }, { query: `?namespace=${other}` });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
    expect(await points(other, 'myweb', 'cpu_ratio')).toEqual([]);
  });

  it('does not accept an agent key on admin routes', async () => {
    const agent = await newAgentKey(api.url);
    expect((await call(api.url, 'GET', '/v1/keys', { token: agent.key })).status).toBe(401);
  });
});

describe('agent keys', () => {
  it('shows the secret once and lists keys without secrets or hashes', async () => {
    const agent = await newAgentKey(api.url);
    expect(agent.key).toMatch(/^tide_ak_/);
    const list = await call(api.url, 'GET', '/v1/keys');
    const mine = list.body.items.find((k: { id: string }) => k.id === agent.id);
    expect(mine).toMatchObject({ id: agent.id, namespace: agent.namespace, name: 'worker1' });
    expect(JSON.stringify(list.body)).not.toContain(agent.key);
    expect(mine).not.toHaveProperty('hash');
    expect(mine).not.toHaveProperty('key');
  });

  it('names the field when a key request is invalid', async () => {
    const answer = await call(api.url, 'POST', '/v1/keys', { body: { namespace: 'bad ns!', name: '' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['name', 'namespace']);
  });

  it('answers 404 when revoking a key that does not exist', async () => {
    expect((await call(api.url, 'DELETE', '/v1/keys/nope')).status).toBe(404);
  });
});

describe('validation', () => {
  const cases: Array<{ name: string; body: unknown; path: string; message: RegExp }> = [
    { name: 'missing node', body: { samples: [sample()] }, path: 'node', message: /1-128 characters|string/ },
    { name: 'node with a space', body: { node: 'bad node', samples: [sample()] }, path: 'node', message: /1-128 characters/ },
    { name: 'no samples', body: { node: 'n1', samples: [] }, path: 'samples', message: /at least 1/ },
    { name: 'too many samples', body: { node: 'n1', samples: Array.from({ length: 1001 }, () => sample()) }, path: 'samples', message: /at most 1000/ },
    { name: 'negative cpu', body: { node: 'n1', samples: [sample(), sample({ cpu_ratio: -1 })] }, path: 'samples[1].cpu_ratio', message: /finite number >= 0/ },
    { name: 'mem_ratio over 100', body: { node: 'n1', samples: [sample({ mem_ratio: 101 })] }, path: 'samples[0].mem_ratio', message: /0 to 100/ },
    { name: 'cpu as a string', body: { node: 'n1', samples: [sample({ cpu_ratio: '5' })] }, path: 'samples[0].cpu_ratio', message: /finite number/ },
    { name: 'no metric', body: { node: 'n1', samples: [{ ts: iso(base), service: 'myweb', container: 'c1' }] }, path: 'samples[0]', message: /at least one metric/ },
    { name: 'bad service name', body: { node: 'n1', samples: [sample({ service: 'my web' })] }, path: 'samples[0].service', message: /1-128 characters/ },
    { name: 'container too long', body: { node: 'n1', samples: [sample({ container: 'c'.repeat(129) })] }, path: 'samples[0].container', message: /1-128 characters/ },
    { name: 'bad timestamp', body: { node: 'n1', samples: [sample({ ts: 'yesterday' })] }, path: 'samples[0].ts', message: /ISO-8601/ },
    { name: 'timestamp older than 1h', body: { node: 'n1', samples: [sample({ ts: iso(Date.now() - 61 * MINUTE) })] }, path: 'samples[0].ts', message: /no older than 1h/ },
    { name: 'timestamp 6 minutes ahead', body: { node: 'n1', samples: [sample({ ts: Date.now() / 1000 + 360 })] }, path: 'samples[0].ts', message: /5m ahead/ },
    { name: 'custom name', body: { node: 'n1', samples: [sample({ custom: { '9lives': 1 } })] }, path: 'samples[0].custom.9lives', message: /must match/ },
    { name: 'custom reusing a built-in', body: { node: 'n1', samples: [sample({ custom: { cpu_ratio: 1 } })] }, path: 'samples[0].custom.cpu_ratio', message: /built-in/ },
    { name: 'custom not finite', body: { node: 'n1', samples: [sample({ custom: { rps: 'many' } })] }, path: 'samples[0].custom.rps', message: /finite number/ },
    {
      name: 'more than 20 custom metrics',
      body: { node: 'n1', samples: [sample({ custom: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`m${i}`, i])) })] },
      path: 'samples[0].custom',
      message: /at most 20/,
    },
    { name: 'batchId too long', body: { node: 'n1', batchId: 'b'.repeat(129), samples: [sample()] }, path: 'batchId', message: /1-128/ },
    // What storage can hold (issue 8's probes): each of these answered 500, some after storing part of the batch.
    { name: 'mem_usage above 2^53', body: { node: 'n1', samples: [sample({ mem_usage: 1e16 })] }, path: 'samples[0].mem_usage', message: /from 1e-100 to 2\^53/ },
    { name: 'cpu_ratio near the largest double', body: { node: 'n1', samples: [sample({ cpu_ratio: 1.797e308 }), sample({ cpu_ratio: 1.797e308 })] }, path: 'samples[1].cpu_ratio', message: /2\^53/ },
    { name: 'cpu_ratio too small to store', body: { node: 'n1', samples: [sample({ cpu_ratio: 1e-200 })] }, path: 'samples[0].cpu_ratio', message: /0, or from 1e-100/ },
    { name: 'mem_ratio too small to store', body: { node: 'n1', samples: [sample({ mem_ratio: 5e-324 })] }, path: 'samples[0].mem_ratio', message: /0, or from 1e-100 to 100/ },
    { name: 'custom below -2^53', body: { node: 'n1', samples: [sample({ custom: { rps: -1e16 } })] }, path: 'samples[0].custom.rps', message: /2\^53 either side of 0/ },
    { name: 'month 13', body: { node: 'n1', samples: [sample({ ts: '2026-13-01T00:00:00Z' })] }, path: 'samples[0].ts', message: /a real one/ },
    { name: 'hour 25', body: { node: 'n1', samples: [sample({ ts: iso(base).slice(0, 11) + '25:00:00Z' })] }, path: 'samples[0].ts', message: /a real one/ },
    { name: 'February 30th', body: { node: 'n1', samples: [sample({ ts: '2026-02-30T00:00:00Z' })] }, path: 'samples[0].ts', message: /a real one/ },
    {
      name: '65 metric names for one service in one minute',
      body: {
        node: 'n1',
        samples: [
          sample({ mem_usage: 1, mem_limit: 2, mem_ratio: 3, net_read: 4, net_write: 5, blk_read: 6, blk_write: 7, custom: customMetrics(0, 20) }),
          sample({ custom: customMetrics(20, 20) }),
          sample({ custom: customMetrics(40, 20) }),
        ],
      },
      path: 'samples[2].custom.m56',
      message: /would be metric name 65 of service myweb .*this batch brings 68.*at most 64 per service and bucket/,
    },
    { name: 'not an object', body: [1, 2], path: '', message: /JSON object/ },
  ];

  it.each(cases)('$name → 400 naming $path, nothing stored', async ({ body, path, message }) => {
    const agent = await newAgentKey(api.url);
    const answer = await post(agent.key, body);
    expectFieldRefused(answer, path, message);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([]);
  });

  it('answers 400 for malformed JSON, 415 for another media type, 413 for a body over 1 MiB', async () => {
    const agent = await newAgentKey(api.url);
    const headers = { 'content-type': 'application/json' };
    const malformed = await call(api.url, 'POST', '/v1/metrics', { raw: '{"node":', token: agent.key, headers });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details[0].message).toMatch(/valid JSON/);
    const text = await call(api.url, 'POST', '/v1/metrics', { raw: 'node=n1', token: agent.key, headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const big = await call(api.url, 'POST', '/v1/metrics', { raw: `{"node":"${'x'.repeat(1024 * 1024)}"}`, token: agent.key, headers });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([]);
  });
});

describe('gzip', () => {
  it('accepts a gzip body', async () => {
    const agent = await newAgentKey(api.url);
    const answer = await post(agent.key, { node: 'n1', samples: [sample(), sample({ container: 'c2', cpu_ratio: 12.5 })] }, { gzip: true });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ accepted: 2, duplicate: false });
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio')).toEqual([{ ts: iso(base), value: 25, count: 2 }]);
  });

  it('cannot read a gzip body labelled application/json, which the HTTP API hands over as text, and stores nothing', async () => {
    const agent = await newAgentKey(api.url);
    const answer = await call(api.url, 'POST', '/v1/metrics', { body: { node: 'n1', samples: [sample()] }, token: agent.key, gzip: true });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([{ path: '', message: 'must be valid gzip data' }]);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([]);
  });

  it('takes application/octet-stream only on ingest', async () => {
    const answer = await call(api.url, 'POST', '/v1/keys', { body: { namespace: 'default', name: 'w' }, headers: { 'content-type': 'application/octet-stream' } });
    expect(answer.status).toBe(415);
  });

  it('answers 413 when the body grows past 1 MiB once gzip is undone', async () => {
    const agent = await newAgentKey(api.url);
    const padded = { node: 'n1', pad: ' '.repeat(2 * 1024 * 1024), samples: [sample()] };
    const answer = await post(agent.key, padded, { gzip: true });
    expect(answer.status).toBe(413);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([]);
  });
});

describe('aggregates', () => {
  it('folds several batches from several nodes into count, mean, min and max per bucket', async () => {
    const agent = await newAgentKey(api.url);
    const nodes = ['worker1', 'worker2', 'worker3', 'worker4', 'worker5'];
    let n = 0;
    for (const node of nodes) {
      for (let batch = 0; batch < 2; batch++) {
        const samples = [10, 20, 30].map((v, i) =>
          sample({ ts: iso(base + batch * 10_000 + i * 1000), container: `${node}-c${i}`, cpu_ratio: v + n, custom: { rps: v } }),
        );
        n += 1;
        expect((await post(agent.key, { node, samples })).status).toBe(202);
      }
    }
    // values: 10+n, 20+n, 30+n for n = 0..9 → 30 samples, sum = 600 + 3*45 = 735
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([{ ts: iso(base), value: 30, count: 30 }]);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'mean')).toEqual([{ ts: iso(base), value: 735 / 30, count: 30 }]);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'min')).toEqual([{ ts: iso(base), value: 10, count: 30 }]);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'max')).toEqual([{ ts: iso(base), value: 39, count: 30 }]);
    expect(await points(agent.namespace, 'myweb', 'rps', 'sum')).toEqual([{ ts: iso(base), value: 600, count: 30 }]);
  });

  it('puts a sample at the last millisecond of a bucket and one at the next bucket start apart', async () => {
    const agent = await newAgentKey(api.url);
    const samples = [
      sample({ ts: iso(base + MINUTE - 1), cpu_ratio: 10 }),
      sample({ ts: iso(base + MINUTE), cpu_ratio: 30 }),
      sample({ ts: (base + MINUTE + 30_000) / 1000, cpu_ratio: 50 }),
    ];
    expect((await post(agent.key, { node: 'n1', samples })).status).toBe(202);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio')).toEqual([
      { ts: iso(base), value: 10, count: 1 },
      { ts: iso(base + MINUTE), value: 40, count: 2 },
    ]);
  });

  it('stores a batch of 1000 services in one minute', async () => {
    const agent = await newAgentKey(api.url);
    const samples = Array.from({ length: 1000 }, (_, i) => sample({ service: i === 0 ? 'myweb' : `svc${i}` }));
    expect(await post(agent.key, { node: 'n1', batchId: 'wide-1', samples })).toMatchObject({ status: 202, body: { accepted: 1000 } });
    expect(await points(agent.namespace, 'svc999', 'cpu_ratio', 'count')).toEqual([{ ts: iso(base), value: 1, count: 1 }]);
  });

  it('keeps services apart', async () => {
    const agent = await newAgentKey(api.url);
    const samples = [sample({ service: 'a', cpu_ratio: 1 }), sample({ service: 'b', cpu_ratio: 99 })];
    expect((await post(agent.key, { node: 'n1', samples })).status).toBe(202);
    expect(await points(agent.namespace, 'a', 'cpu_ratio')).toEqual([{ ts: iso(base), value: 1, count: 1 }]);
    expect(await points(agent.namespace, 'b', 'cpu_ratio')).toEqual([{ ts: iso(base), value: 99, count: 1 }]);
  });

  it('sets the TTL attribute to the bucket end plus the retention', async () => {
    const agent = await newAgentKey(api.url);
    expect((await post(agent.key, { node: 'n1', batchId: 'ttl-1', samples: [sample()] })).status).toBe(202);
    const app = tide();
    const item = await app.db.send(
      new GetCommand({ TableName: app.config.tableName, Key: keys.batchMinute(agent.namespace, 0, base / 1000, 'n1', 'ttl-1', 0) }),
    );
    expect(item.Item?.expiresAt).toBe(base / 1000 + 60 + 86_400);
  });
});

describe('idempotent batches', () => {
  it('counts a replayed batchId once and answers 200 duplicate', async () => {
    const agent = await newAgentKey(api.url);
    const body = { node: 'n1', batchId: '0f8e2c1a-1', samples: [sample(), sample({ container: 'c2' })] };
    expect(await post(agent.key, body)).toMatchObject({ status: 202, body: { accepted: 2, duplicate: false } });
    expect(await post(agent.key, body)).toMatchObject({ status: 200, body: { accepted: 0, duplicate: true } });
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([{ ts: iso(base), value: 2, count: 2 }]);
  });

  it('counts the same batchId from another node separately', async () => {
    const agent = await newAgentKey(api.url);
    expect((await post(agent.key, { node: 'n1', batchId: 'same', samples: [sample()] })).status).toBe(202);
    expect((await post(agent.key, { node: 'n2', batchId: 'same', samples: [sample()] })).status).toBe(202);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([{ ts: iso(base), value: 2, count: 2 }]);
  });
});

describe('what storage can hold', () => {
  /** A service whose policy reads cpu_ratio over the last 15 minutes, and what a dry run decides for it. */
  async function evaluateDryRun(namespace: string) {
    const put = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${namespace}`, {
      body: {
        min: 1,
        max: 10,
        target: { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50, initialReplicas: 2 },
        policy: { rules: [{ type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '15m', increaseBy: 1 }] },
      },
    });
    expect(put.status).toBe(201);
    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace, dryRun: true } });
    expect(evaluated.status).toBe(200);
    return evaluated.body.decisions as unknown[];
  }
  const wouldScale = { status: 'skipped', from: 2, to: 3, metrics: { 'cpu_ratio.mean.15m': 4503599627370495.5 } };

  it('stores three batches of cpu_ratio 4503599627370495.5, reads them back and evaluates on them', async () => {
    const agent = await newAgentKey(api.url);
    for (let i = 0; i < 3; i++) expect((await post(agent.key, { node: 'n1', samples: [sample({ cpu_ratio: 4503599627370495.5 })] })).status).toBe(202);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio')).toEqual([{ ts: iso(base), value: 4503599627370495.5, count: 3 }]);
    expect(await evaluateDryRun(agent.namespace)).toEqual([expect.objectContaining(wouldScale)]);
  });

  it('reads back and evaluates on a sum past 2^53 with a fraction, which the document client would refuse to read', async () => {
    const namespace = freshNamespace();
    const app = tide();
    const big = NumberValue.from('4503599627370495.5');
    await app.db.send(
      new PutCommand({
        TableName: app.config.tableName,
        Item: { ...keys.nodeMinute(namespace, 0, base / 1000, 'n1'), seq: 1, v: { myweb: [1, { '0': [3, NumberValue.from('13510798882111486.5'), big, big] }] } },
      }),
    );
    expect(await points(namespace, 'myweb', 'cpu_ratio', 'sum')).toEqual([{ ts: iso(base), value: 13510798882111486.5, count: 3 }]);
    expect(await evaluateDryRun(namespace)).toEqual([expect.objectContaining(wouldScale)]);
  });

  it('takes 64 metric names for one service in one minute from one batch and refuses a 65th, naming it and storing nothing of the batch', async () => {
    const agent = await newAgentKey(api.url);
    const builtIns = { mem_usage: 1, mem_limit: 2, mem_ratio: 3, net_read: 4, net_write: 5, blk_read: 6, blk_write: 7 };
    // 8 built-in names and 56 custom ones, in one batch.
    const wide = [customMetrics(0, 20), customMetrics(20, 20), customMetrics(40, 16)].map((custom) => sample({ ...builtIns, custom }));
    expect((await post(agent.key, { node: 'n1', samples: wide })).status).toBe(202);
    expect(await points(agent.namespace, 'myweb', 'm55', 'count')).toEqual([{ ts: iso(base), value: 1, count: 1 }]);

    const refused = await post(agent.key, { node: 'n1', samples: [sample({ service: 'other' }), ...wide, sample({ custom: { m3: 1, m56: 1 } })] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      {
        path: 'samples[4].custom.m56',
        message: `would be metric name 65 of service myweb in the 60 s bucket from ${iso(base)} (this batch brings 65); at most 64 per service and bucket`,
      },
    ]);
    expect(await points(agent.namespace, 'other', 'cpu_ratio', 'count')).toEqual([]);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([{ ts: iso(base), value: 3, count: 3 }]);

    // Each batch is its own item: another batch's new names still count.
    expect((await post(agent.key, { node: 'n1', samples: [sample({ custom: { m56: 1 } })] })).status).toBe(202);
    expect(await points(agent.namespace, 'myweb', 'm56', 'count')).toEqual([{ ts: iso(base), value: 1, count: 1 }]);
    expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([{ ts: iso(base), value: 4, count: 4 }]);
  });

  describe('a batch that fails half-way', () => {
    /** Fails the namespace's metrics writes from its `failAt`th item on, as a function stopped there would. */
    function failWritesFrom(namespace: string, failAt: number) {
      const db = tide().db;
      const name = `failWrites-${namespace}`;
      let written = 0;
      db.middlewareStack.add(
        (next) => async (args) => {
          if (JSON.stringify(args.input).includes(`MIN#${namespace}#`) && 'Item' in (args.input as object)) {
            written += 1;
            if (written >= failAt) throw new Error('injected: the function stopped');
          }
          return next(args);
        },
        { step: 'initialize', name },
      );
      return () => db.middlewareStack.remove(name);
    }

    it('stores nothing of a batch of one minute (one item) and counts its retry once, without a batchId', async () => {
      const agent = await newAgentKey(api.url);
      const body = { node: 'n1', samples: ['a', 'b', 'c', 'd', 'e'].map((service) => sample({ service })) };
      const restore = failWritesFrom(agent.namespace, 1);
      try {
        const failed = await post(agent.key, body);
        expect(failed.status).toBe(500);
        expect(failed.body.error.code).toBe('internal');
      } finally {
        restore();
      }
      for (const service of ['a', 'b', 'c', 'd', 'e']) expect(await points(agent.namespace, service, 'cpu_ratio', 'count')).toEqual([]);
      expect(await post(agent.key, body)).toMatchObject({ status: 202, body: { accepted: 5, duplicate: false } });
      for (const service of ['a', 'b', 'c', 'd', 'e']) expect(await points(agent.namespace, service, 'cpu_ratio', 'count')).toEqual([{ ts: iso(base), value: 1, count: 1 }]);
    });

    it('answers 500 for a batch over two minutes stored in part, and its retry with the same batchId completes it, counting every sample once', async () => {
      const agent = await newAgentKey(api.url);
      const body = { node: 'n1', batchId: 'retried-1', samples: [sample(), sample({ ts: iso(base + MINUTE + 5_000) })] };
      const restore = failWritesFrom(agent.namespace, 2);
      try {
        expect((await post(agent.key, body)).status).toBe(500);
      } finally {
        restore();
      }
      expect(await post(agent.key, body)).toMatchObject({ status: 202, body: { accepted: 2, duplicate: false } });
      expect(await post(agent.key, body)).toMatchObject({ status: 200, body: { accepted: 0, duplicate: true } });
      expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([
        { ts: iso(base), value: 1, count: 1 },
        { ts: iso(base + MINUTE), value: 1, count: 1 },
      ]);
    });

    it('counts a batch without batchId twice when it is sent again after a 202: Tide cannot tell a retry from a new batch', async () => {
      const agent = await newAgentKey(api.url);
      const body = { node: 'n1', samples: [sample(), sample({ service: 'b' })] };
      expect((await post(agent.key, body)).status).toBe(202);
      expect((await post(agent.key, body)).status).toBe(202);
      expect(await points(agent.namespace, 'myweb', 'cpu_ratio', 'count')).toEqual([{ ts: iso(base), value: 2, count: 2 }]);
    });
  });
});
