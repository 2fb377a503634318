/**
 * `npm run bench:ingest`: ingest through the real middy handler into an
 * in-memory DynamoDB Local on 127.0.0.1, with API Gateway v2 events built
 * in-process. Phases: the agent's minutes (one post per node and minute, 10
 * containers sampled every 10 s), then samples batches with and without a
 * batchId (as other senders post them), then the handler's own CPU per
 * sample with DynamoDB answering instantly. Write units are counted from each
 * item's size as DynamoDB bills it. See docs/BENCHMARKS.md.
 *
 * Flags: --nodes 1000 --samples 100 (per samples batch) --rounds 1 (posts per
 * node and phase) --concurrency 16 --plain (uncompressed bodies; the agent gzips).
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { handler } from '../../functions/ingest';
import { tide } from '../../lib/app';
import { issueAgentKey } from '../../lib/credentials/agentKeys';
import type { AgentKeyRecord } from '../../lib/store/agentKeys';
import type { HttpEvent, HttpResult } from '../../lib/http/types';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';
import { benchFlags } from './flags';

const flags = benchFlags({ nodes: 1000, samples: 100, rounds: 1, concurrency: 16 }, { plain: false });
const { nodes: NODES, samples: SAMPLES, rounds: ROUNDS, concurrency: CONCURRENCY } = flags;
const CONTAINERS_PER_NODE = 10;
const SERVICES = 40;
const WARMUP_BATCHES = 200;
/** The CPU phase measures its batches in this many slices and reports the median, as GC and neighbours make single figures jumpy. */
const CPU_SLICES = 5;

// ---- The simulated fleet: seeded, so every run sends the same shape of data.

let seed = 42;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const hex = (length: number) => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');

interface Container {
  id: string;
  service: string;
  cpu: number;
  memLimit: number;
}

const serviceNames = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
/** Each node runs ten containers of two to four services. */
const fleet = Array.from({ length: NODES }, (_, n) => {
  const first = Math.floor(random() * SERVICES);
  const services = Array.from({ length: 2 + Math.floor(random() * 3) }, (_, i) => serviceNames[(first + i) % SERVICES] as string);
  const containers: Container[] = Array.from({ length: CONTAINERS_PER_NODE }, () => ({
    id: hex(12),
    service: pick(services),
    cpu: 5 + random() * 80,
    memLimit: pick([256, 512, 1024, 2048]) * 1024 * 1024,
  }));
  return { node: `node-${String(n).padStart(4, '0')}`, containers };
});

/** One reading of a container's stats: CPU about its usual, memory 20–80 % of its limit. */
function stats(c: Container) {
  const memUsage = Math.round(c.memLimit * (0.2 + random() * 0.6));
  return {
    cpu_ratio: Math.round(c.cpu * (0.5 + random()) * 100) / 100,
    mem_usage: memUsage,
    mem_limit: c.memLimit,
    mem_ratio: Math.round((memUsage / c.memLimit) * 10_000) / 100,
    net_read: Math.round(random() * 2e6),
    net_write: Math.round(random() * 1e6),
  };
}

/** One agent batch: ticks of every container's stats, all within the current minute. */
function batch(node: string, containers: Container[], withBatchId: boolean) {
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  const ticks = Math.ceil(SAMPLES / containers.length);
  const samples = Array.from({ length: SAMPLES }, (_, i) => {
    const c = containers[i % containers.length] as Container;
    const tick = Math.floor(i / containers.length);
    return {
      ts: new Date(minute + Math.floor((tick * 60_000) / ticks)).toISOString(),
      service: c.service,
      container: c.id,
      ...stats(c),
      custom: { http_requests_per_second: Math.round(random() * 5000) / 10, response_time_ms: Math.round(20 + random() * 400) },
    };
  });
  return { node, ...(withBatchId ? { batchId: randomUUID() } : {}), samples };
}

/** Samples in one node's minute at the agent's defaults: each container every 10 s. */
const SAMPLES_PER_MINUTE = CONTAINERS_PER_NODE * 6;

/** One agent post: the node's minute just closed, folded per service as the agent folds it. */
function minutePost(node: string, containers: Container[], minuteStart: number) {
  const services: Record<string, { containers: number; metrics: Record<string, { count: number; sum: number; min: number; max: number }> }> = {};
  for (const c of containers) {
    const entry = (services[c.service] ??= { containers: 0, metrics: {} });
    entry.containers += 1;
    for (let tick = 0; tick < 6; tick++) {
      const values: Record<string, number> = {
        ...stats(c),
        blk_read: Math.round(random() * 1e5),
        blk_write: Math.round(random() * 4e5),
      };
      for (const [metric, v] of Object.entries(values)) {
        const a = entry.metrics[metric];
        if (a === undefined) entry.metrics[metric] = { count: 1, sum: v, min: v, max: v };
        else Object.assign(a, { count: a.count + 1, sum: a.sum + v, min: Math.min(a.min, v), max: Math.max(a.max, v) });
      }
    }
  }
  return { node, batchId: randomUUID(), minutes: [{ start: new Date(minuteStart).toISOString(), seq: 6, services }] };
}

/** What API Gateway (HTTP API, payload 2.0) hands the function for `POST /v1/metrics`. */
function requestEvent(agentKey: string, body: unknown): HttpEvent {
  const text = JSON.stringify(body);
  // As the agent sends them: gzip labelled as bytes, so API Gateway base64-encodes it intact.
  const headers: Record<string, string> = flags.plain
    ? { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' }
    : { authorization: `Bearer ${agentKey}`, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' };
  return {
    version: '2.0',
    routeKey: 'POST /v1/metrics',
    rawPath: '/v1/metrics',
    rawQueryString: '',
    headers,
    requestContext: {
      http: { method: 'POST', path: '/v1/metrics', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'tide-bench' },
      domainName: '127.0.0.1',
      stage: '$default',
      routeKey: 'POST /v1/metrics',
    },
    body: flags.plain ? text : gzipSync(text).toString('base64'),
    isBase64Encoded: !flags.plain,
  } as unknown as HttpEvent;
}

const lambdaContext = { functionName: 'ingest', awsRequestId: 'bench' } as Context;
const invoke = (event: HttpEvent) => handler(event, lambdaContext) as Promise<HttpResult>;

/** `count` samples batches, node after node, round after round. */
function events(agentKey: string, withBatchId: boolean, count = NODES * ROUNDS): HttpEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const { node, containers } = fleet[i % NODES] as (typeof fleet)[number];
    return requestEvent(agentKey, batch(node, containers, withBatchId));
  });
}

/** `count` minute posts, node after node; each round a minute further back (all within the last hour). */
function minuteEvents(agentKey: string, count = NODES * ROUNDS): HttpEvent[] {
  const lastClosed = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  return Array.from({ length: count }, (_, i) => {
    const { node, containers } = fleet[i % NODES] as (typeof fleet)[number];
    return requestEvent(agentKey, minutePost(node, containers, lastClosed - Math.floor(i / NODES) * 60_000));
  });
}

// ---- Exact DynamoDB request counts: one per `send`, so the store's own retries count too.

const requests = new Map<string, number>();
/** Items written, by request kind. */
const items = new Map<string, number>();
/** Write units, by request kind: 1 per KB (rounded up) of each item written. */
const units = new Map<string, number>();
const itemBytes: number[] = [];
const failures = new Map<string, number>();

/**
 * An attribute value's size as DynamoDB bills it: strings their UTF-8 bytes,
 * a number 1 byte per two significant digits plus 1, a list or map 3 bytes
 * plus 1 per element and, in a map, its keys.
 */
function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace('.', '').replace(/e.*$/, '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueSize(v), 0);
  if (typeof value === 'object' && value !== null) return 3 + Object.entries(value).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 1 + valueSize(v), 0);
  return 1;
}
const itemSize = (item: Record<string, unknown>) => Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + valueSize(v), 0);
const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

function countRequests(): void {
  tide().db.middlewareStack.add(
    (next, context) => async (args) => {
      const kind = (context.commandName ?? 'unknown').replace(/Command$/, '');
      bump(requests, kind);
      bump(items, kind);
      const item = (args.input as { Item?: Record<string, unknown> }).Item;
      if (item !== undefined) {
        const size = itemSize(item);
        itemBytes.push(size);
        bump(units, kind, Math.ceil(size / 1024));
      } else if (!READS.has(kind)) bump(units, kind);
      try {
        return await next(args);
      } catch (error) {
        bump(failures, `${kind}: ${(error as Error).name}`);
        throw error;
      }
    },
    { step: 'initialize', name: 'benchRequestCount' },
  );
}

// ---- Phases.

const READS = new Set(['GetItem', 'Query', 'BatchGetItem', 'Scan']);

async function throughput(name: string, queue: HttpEvent[], samplesPerPost = SAMPLES) {
  const samples = queue.length * samplesPerPost;
  requests.clear();
  items.clear();
  units.clear();
  itemBytes.length = 0;
  failures.clear();
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!failed && next < queue.length) {
        const event = queue[next++] as HttpEvent;
        const t0 = performance.now();
        const result = await invoke(event);
        latencies.push(performance.now() - t0);
        const accepted = result.statusCode === 202 ? (JSON.parse(result.body ?? '{}') as { accepted?: number }).accepted : undefined;
        if (accepted !== samplesPerPost) {
          failed = true;
          throw new Error(`${name}: answer ${result.statusCode} ${result.body ?? ''}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const byKind = Object.fromEntries([...requests].sort());
  const writeKinds = (map: Map<string, number>) => [...map].filter(([kind]) => !READS.has(kind));
  const writes = writeKinds(requests).reduce((n, [, count]) => n + count, 0);
  const writeUnits = writeKinds(units).reduce((n, [, count]) => n + count, 0);
  const reads = [...requests].filter(([kind]) => READS.has(kind)).reduce((n, [, count]) => n + count, 0);
  itemBytes.sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0, 1);
  return {
    phase: name,
    batches: queue.length,
    samples,
    seconds: round(seconds, 2),
    samplesPerSecond: Math.round(samples / seconds),
    latencyMs: { p50: percentile(0.5), p99: percentile(0.99) },
    requests: byKind,
    failedRequests: Object.fromEntries([...failures].sort()),
    writeRequestsPer1000Samples: round((writes / samples) * 1000, 1),
    writeRequestsPerBatch: round(writes / queue.length, 2),
    readRequestsPerBatch: round(reads / queue.length, 2),
    writeUnitsPerBatch: round(writeUnits / queue.length, 2),
    itemBytes: { median: itemBytes[Math.floor(itemBytes.length / 2)] ?? 0, max: itemBytes.at(-1) ?? 0 },
    itemWritesPer1000Samples: round((writeKinds(items).reduce((n, [, count]) => n + count, 0) / samples) * 1000, 1),
    writeUnitsPer1000Samples: round((writeUnits / samples) * 1000, 1),
  };
}

/**
 * The handler's CPU per sample without the database: the SDK still builds,
 * signs and parses every request, but its HTTP handler answers at once, as
 * DynamoDB would on success, so only the network and the database are left out.
 */
async function handlerCpu(phase: string, agent: AgentKeyRecord, queueOf: (count: number) => HttpEvent[], samplesPerPost: number) {
  const config = tide().db.config as unknown as { requestHandler: unknown };
  const real = config.requestHandler;
  const agentItem = JSON.stringify({ Item: marshall({ ...agent }) });
  config.requestHandler = {
    handle: async (request: { headers: Record<string, string> }) => {
      const body = request.headers['x-amz-target']?.endsWith('.GetItem') ? agentItem : '{}';
      return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(body) } };
    },
  };
  try {
    for (const event of queueOf(WARMUP_BATCHES)) await invoke(event);
    const perSlice = Math.ceil((NODES * ROUNDS) / CPU_SLICES);
    const microsPerSample: number[] = [];
    for (let slice = 0; slice < CPU_SLICES; slice++) {
      const queue = queueOf(perSlice);
      const before = process.cpuUsage();
      for (const event of queue) {
        const result = await invoke(event);
        if (result.statusCode !== 202) throw new Error(`cpu: answer ${result.statusCode} ${result.body ?? ''}`);
      }
      const used = process.cpuUsage(before);
      microsPerSample.push((used.user + used.system) / (perSlice * samplesPerPost));
    }
    microsPerSample.sort((a, b) => a - b);
    const median = microsPerSample[Math.floor(CPU_SLICES / 2)] ?? 0;
    return {
      phase,
      batches: perSlice * CPU_SLICES,
      cpuMicrosPerSample: round(median, 2),
      cpuMicrosPerSampleSlices: microsPerSample.map((m) => round(m, 2)),
      cpuMillisPerBatch: round((median * samplesPerPost) / 1000, 3),
    };
  } finally {
    config.requestHandler = real;
  }
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

async function main(): Promise<void> {
  // Other work on the machine skews every figure; the summary says how busy it was.
  const loadAtStart = round(loadavg()[0] ?? 0, 2);
  const dynamodb = await startDynamoDbLocal();
  const tableName = 'tide-bench';
  Object.assign(process.env, {
    TIDE_DYNAMODB_ENDPOINT: dynamodb.endpoint,
    TIDE_TABLE: tableName,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  });
  try {
    await ensureTable(dynamodb.endpoint, tableName);
    countRequests();
    const keyFor = (namespace: string) => issueAgentKey(tide().agentKeys, { namespace, name: 'bench' }, Date.now());
    const [warm, minutes, tx, update] = await Promise.all([keyFor('bench-warmup'), keyFor('bench-minutes'), keyFor('bench-tx'), keyFor('bench-update')]);

    // DynamoDB Local's JIT and the handler's first calls are slow; no phase should pay for that.
    await throughput('warm-up', events(warm.key, true, WARMUP_BATCHES));
    const phases = [
      await throughput('agent minutes', minuteEvents(minutes.key), SAMPLES_PER_MINUTE),
      await throughput('samples, batchId', events(tx.key, true)),
      await throughput('samples, no batchId', events(update.key, false)),
    ];
    tide().db.middlewareStack.remove('benchRequestCount');
    const cpu = [
      await handlerCpu('agent minutes', minutes.record, (count) => minuteEvents(minutes.key, count), SAMPLES_PER_MINUTE),
      await handlerCpu('samples, batchId', tx.record, (count) => events(tx.key, true, count), SAMPLES),
      await handlerCpu('samples, no batchId', update.record, (count) => events(update.key, false, count), SAMPLES),
    ];

    const summary = {
      node: process.version,
      cpus: availableParallelism(),
      loadAtStart,
      flags: { nodes: NODES, samples: SAMPLES, rounds: ROUNDS, concurrency: CONCURRENCY, gzip: !flags.plain },
      serviceShards: tide().config.serviceShards,
      phases,
      cpu,
    };
    console.log(JSON.stringify(summary, null, 2));
    console.log();
    console.log(
      table([
        ['phase', 'samples/s', 'p50 ms', 'p99 ms', 'reads/POST', 'writes/POST', 'WRU/POST', 'WRU/1k samples', 'item bytes (median, max)', 'failed'],
        ...phases.map((p) => [
          p.phase,
          String(p.samplesPerSecond),
          String(p.latencyMs.p50),
          String(p.latencyMs.p99),
          String(p.readRequestsPerBatch),
          String(p.writeRequestsPerBatch),
          String(p.writeUnitsPerBatch),
          String(p.writeUnitsPer1000Samples),
          `${p.itemBytes.median}, ${p.itemBytes.max}`,
          String(Object.values(p.failedRequests).reduce((n, c) => n + c, 0)),
        ]),
      ]),
    );
    console.log();
    console.log(
      table([
        ['handler CPU, no database', 'µs/sample (median)', 'ms/POST', 'slices µs/sample'],
        ...cpu.map((c) => [c.phase, String(c.cpuMicrosPerSample), String(c.cpuMillisPerBatch), c.cpuMicrosPerSampleSlices.join(' ')]),
      ]),
    );
  } finally {
    tide().db.destroy();
    await dynamodb.stop();
  }
}

await main();
