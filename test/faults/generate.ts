/**
 * Seeded generators of bad requests: each case breaks at least one rule of
 * SPEC.md (or of Tide's documented limits), so every one must be refused with
 * a 4xx and store nothing. The same seed gives the same cases, in order.
 */
import { gzipSync } from 'node:zlib';

export type Random = () => number;

/** mulberry32: small, fast and good enough to pick mutations reproducibly. */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

export interface Case {
  /** What was broken, for the failure message. */
  what: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Webhook routes answer in Rancher's error shape; the rest in SPEC's. */
  shape: 'spec' | 'rancher';
}

/** Names that break `1–128 characters of [A-Za-z0-9_.:/-]`. */
const BAD_NAMES: readonly unknown[] = ['', 'x'.repeat(129), 'my web', 'wéb', 'a;b', 'tab\there', 'new\nline', 5, 0, true, null, [], {}, ['web']];
/** Values that are not a finite number >= 0. */
const NOT_NON_NEGATIVE: readonly unknown[] = [-1, -0.5, -1e-9, '12', '', true, null, [], {}, [1], { value: 1 }];
/** Numbers past what storage holds exactly (documented ingest bounds). */
const OUT_OF_RANGE: readonly unknown[] = [1e16, 2 ** 53 + 2, 1.797e308, 1e300, 1e-200, 5e-324];
const BAD_TIMES: readonly unknown[] = [
  'yesterday',
  '2026-13-01T00:00:00Z',
  '2026-02-30T10:00:00Z',
  '2026-11-30T25:00:00Z',
  '2026-11-30T10:61:00Z',
  '2026-11-30',
  '',
  true,
  null,
  [],
  {},
  -1,
  1e20,
];
const BAD_CUSTOM_NAMES: readonly string[] = ['1abc', 'a-b', 'a b', 'x'.repeat(65), '', 'é', 'cpu_ratio'];
const BAD_DURATIONS: readonly unknown[] = ['forever', '10x', '-5m', '', '5', 5, null, '1.5.5m', '999999h', 'm10'];

/** The time a sample's `ts` is measured against: injected by the suite. */
export interface IngestContext {
  now: number;
  agentKey: string;
  adminToken: string;
  services: readonly string[];
}

function validSample(random: Random, ctx: IngestContext): Record<string, unknown> {
  return {
    ts: new Date(ctx.now - Math.floor(random() * 600_000)).toISOString(),
    service: pick(random, ctx.services),
    container: `c${Math.floor(random() * 1000)}`,
    cpu_ratio: Math.round(random() * 1000) / 10,
    mem_usage: Math.floor(random() * 1e9),
  };
}

/** One mutation of a valid batch that makes it invalid, and what it broke. */
function badBatch(random: Random, ctx: IngestContext): { what: string; batch: unknown } {
  const samples = Array.from({ length: 1 + Math.floor(random() * 5) }, () => validSample(random, ctx));
  const batch: Record<string, unknown> = { node: 'fuzz-node', samples };
  const victim = pick(random, samples);
  const kind = Math.floor(random() * 14);
  switch (kind) {
    case 0:
      batch.node = pick(random, BAD_NAMES);
      return { what: `node ${JSON.stringify(batch.node)}`, batch };
    case 1:
      batch.batchId = pick(random, ['x'.repeat(129), 5, true, [], {}, ['a']]);
      return { what: `batchId ${JSON.stringify(batch.batchId)}`, batch };
    case 2: {
      const value = pick(random, [undefined, [], 'samples', 5, null, {}, [5], ['x'], [null]]);
      if (value === undefined) delete batch.samples;
      else batch.samples = value;
      return { what: `samples ${JSON.stringify(value)}`, batch };
    }
    case 3:
      batch.samples = Array.from({ length: 1001 }, () => validSample(random, ctx));
      return { what: '1001 samples', batch };
    case 4:
      victim.ts = pick(random, BAD_TIMES);
      return { what: `ts ${JSON.stringify(victim.ts)}`, batch };
    case 5: {
      const late = random() < 0.5;
      victim.ts = new Date(late ? ctx.now - 2 * 3600_000 : ctx.now + 30 * 60_000).toISOString();
      return { what: late ? 'ts 2 h old' : 'ts 30 min ahead', batch };
    }
    case 6: {
      const field = pick(random, ['service', 'container']);
      victim[field] = pick(random, BAD_NAMES);
      return { what: `${field} ${JSON.stringify(victim[field])}`, batch };
    }
    case 7: {
      const metric = pick(random, ['cpu_ratio', 'mem_usage', 'mem_limit', 'net_read', 'net_write', 'blk_read', 'blk_write']);
      victim[metric] = pick(random, NOT_NON_NEGATIVE);
      return { what: `${metric} ${JSON.stringify(victim[metric])}`, batch };
    }
    case 8:
      victim.mem_ratio = pick(random, [101, 100.01, -1, 1e9, '50', null]);
      return { what: `mem_ratio ${JSON.stringify(victim.mem_ratio)}`, batch };
    case 9: {
      const metric = pick(random, ['cpu_ratio', 'mem_usage', 'net_read']);
      victim[metric] = pick(random, OUT_OF_RANGE);
      return { what: `${metric} ${String(victim[metric])}`, batch };
    }
    case 10: {
      for (const metric of ['cpu_ratio', 'mem_usage']) delete victim[metric];
      return { what: 'a sample without any metric', batch };
    }
    case 11:
      victim.custom = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`m${i}`, i]));
      return { what: '21 custom metrics', batch };
    case 12: {
      const name = pick(random, BAD_CUSTOM_NAMES);
      victim.custom = { [name]: 1 };
      return { what: `custom name ${JSON.stringify(name)}`, batch };
    }
    default:
      victim.custom = pick(random, [{ rps: '1' }, { rps: null }, { rps: [] }, { rps: -Infinity }, 'rps', [1], 5, { rps: 1e16 }]);
      return { what: `custom ${JSON.stringify(victim.custom)}`, batch };
  }
}

function validMinute(random: Random, ctx: IngestContext, minutesAgo = 1 + Math.floor(random() * 10)): Record<string, unknown> {
  const count = 1 + Math.floor(random() * 60);
  return {
    start: new Date(Math.floor(ctx.now / 60_000) * 60_000 - minutesAgo * 60_000).toISOString(),
    seq: 1 + Math.floor(random() * 6),
    services: { [pick(random, ctx.services)]: { containers: 1 + Math.floor(random() * 10), metrics: { cpu_ratio: { count, sum: count * 40, min: 10, max: 70 } } } },
  };
}

/** One mutation of a valid agent post (minutes, the added shape) that makes it invalid, and what it broke. */
function badMinutes(random: Random, ctx: IngestContext): { what: string; batch: unknown } {
  const minute = validMinute(random, ctx);
  const batch: Record<string, unknown> = { node: 'fuzz-node', minutes: [minute] };
  const service = Object.values(minute.services as Record<string, Record<string, unknown>>)[0] as Record<string, unknown>;
  const cpu = (service.metrics as Record<string, Record<string, unknown>>).cpu_ratio as Record<string, unknown>;
  const kind = Math.floor(random() * 12);
  switch (kind) {
    case 0:
      batch.samples = [validSample(random, ctx)];
      return { what: 'samples and minutes', batch };
    case 1: {
      const value = pick(random, [[], 'minutes', 5, null, {}, [5], [null]]);
      batch.minutes = value;
      return { what: `minutes ${JSON.stringify(value)}`, batch };
    }
    case 2:
      batch.minutes = Array.from({ length: 61 }, (_, i) => validMinute(random, ctx, i));
      return { what: '61 minutes', batch };
    case 3:
      batch.minutes = [minute, { ...minute }];
      return { what: 'a minute twice', batch };
    case 4:
      minute.start = pick(random, [...BAD_TIMES, new Date(ctx.now - 2 * 3600_000).toISOString(), new Date(ctx.now + 30 * 60_000).toISOString(), '2026-11-30T10:00:30Z']);
      return { what: `start ${JSON.stringify(minute.start)}`, batch };
    case 5:
      minute.seq = pick(random, [0, -1, 1.5, 2 ** 32, '3', null]);
      return { what: `seq ${JSON.stringify(minute.seq)}`, batch };
    case 6:
      minute.services = pick(random, [{}, [], null, 'web', { [pick(random, BAD_NAMES.filter((n): n is string => typeof n === 'string'))]: service }]);
      return { what: `services ${JSON.stringify(minute.services)}`, batch };
    case 7:
      service.containers = pick(random, [0, -1, 1.5, 100_001, '4', null]);
      return { what: `containers ${JSON.stringify(service.containers)}`, batch };
    case 8:
      cpu.count = pick(random, [0, -1, 2.5, 1e7, null]);
      return { what: `count ${JSON.stringify(cpu.count)}`, batch };
    case 9:
      Object.assign(cpu, pick(random, [{ min: 80, max: 10 }, { min: -1 }, { max: 1e16 }, { sum: 'x' }, { sum: 1e300 }, { min: null }]));
      return { what: `cpu_ratio ${JSON.stringify(cpu)}`, batch };
    case 10:
      service.metrics = { [pick(random, BAD_CUSTOM_NAMES.filter((n) => n !== 'cpu_ratio'))]: { count: 1, sum: 1, min: 1, max: 1 } };
      return { what: `metrics ${JSON.stringify(service.metrics)}`, batch };
    default:
      service.metrics = pick(random, [{}, { mem_ratio: { count: 1, sum: 101, min: 101, max: 101 } }, { rps: 5 }, { rps: { count: 1 } }, null]);
      return { what: `metrics ${JSON.stringify(service.metrics)}`, batch };
  }
}

/** Bad requests to POST /v1/metrics: bad batches, and bad transport (auth, media type, encoding, size). */
export function ingestCase(random: Random, ctx: IngestContext): Case {
  const json = { 'content-type': 'application/json', authorization: `Bearer ${ctx.agentKey}` };
  const base = { method: 'POST', path: '/v1/metrics', shape: 'spec' as const };
  const transport = random() < 0.2;
  if (!transport) {
    const { what, batch } = random() < 0.3 ? badMinutes(random, ctx) : badBatch(random, ctx);
    // Undefined numbers (1e400 is Infinity) must reach the parser as JSON text.
    const text = JSON.stringify(batch, (_k, v: unknown) => (v === Infinity ? '__INF__' : v === -Infinity ? '__NINF__' : v)).replaceAll('"__INF__"', '1e400').replaceAll('"__NINF__"', '-1e400');
    if (random() < 0.3) return { ...base, what: `${what} (gzip)`, headers: { ...json, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, body: gzipSync(text) };
    return { ...base, what, headers: json, body: text };
  }
  const valid = JSON.stringify({ node: 'fuzz-node', samples: [validSample(random, ctx)] });
  const kind = Math.floor(random() * 10);
  switch (kind) {
    case 0:
      return { ...base, what: 'no credential', headers: { 'content-type': 'application/json' }, body: valid };
    case 1:
      return { ...base, what: 'an unknown agent key', headers: { ...json, authorization: `Bearer tide_ak_${'x'.repeat(16)}_${'y'.repeat(40)}` }, body: valid };
    case 2:
      return { ...base, what: 'the admin token on ingest', headers: { ...json, authorization: `Bearer ${ctx.adminToken}` }, body: valid };
    case 3:
      return { ...base, what: 'text/plain', headers: { ...json, 'content-type': 'text/plain' }, body: valid };
    case 4:
      return { ...base, what: 'truncated JSON', headers: json, body: valid.slice(0, Math.floor(random() * (valid.length - 1))) };
    case 5:
      return { ...base, what: 'gzip that is not gzip', headers: { ...json, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, body: Buffer.from(valid) };
    case 6:
      return { ...base, what: 'an unknown content encoding', headers: { ...json, 'content-encoding': 'br' }, body: valid };
    case 7:
      return { ...base, what: 'a body over 1 MiB', headers: json, body: `{"node":"fuzz-node","pad":"${'x'.repeat(1024 * 1024)}","samples":[]}` };
    case 8:
      return {
        ...base,
        what: 'gzip over 1 MiB once undone',
        headers: { ...json, 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
        body: gzipSync(`{"node":"fuzz-node","pad":"${' '.repeat(2 * 1024 * 1024)}","samples":[]}`),
      };
    default:
      return { ...base, what: 'JSON that is not an object', headers: json, body: pick(random, ['[]', '"batch"', '42', 'null', 'true', '[{"node":"n"}]']) };
  }
}

function validService(): Record<string, unknown> {
  return {
    mode: 'auto',
    min: 1,
    max: 10,
    target: { provider: 'http', url: 'https://ops.example/scale/web' },
    policy: { rules: [{ type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '2m', increaseBy: 1, scaleInBelow: 10, inDuration: '10m', decreaseBy: 1 }] },
  };
}

/** One mutation of a valid service document that makes it invalid. */
function badService(random: Random): { what: string; doc: unknown } {
  const doc = validService();
  const policy = doc.policy as { rules: Array<Record<string, unknown>> } & Record<string, unknown>;
  const rule = policy.rules[0] as Record<string, unknown>;
  const target = doc.target as Record<string, unknown>;
  const kind = Math.floor(random() * 16);
  switch (kind) {
    case 0:
      doc.mode = pick(random, ['sometimes', '', 5, null, ['auto']]);
      return { what: `mode ${JSON.stringify(doc.mode)}`, doc };
    case 1:
      doc.min = pick(random, [-1, 1.5, '1', null, 1e12]);
      return { what: `min ${JSON.stringify(doc.min)}`, doc };
    case 2:
      doc.min = 5;
      doc.max = pick(random, [4, 0, 1]);
      return { what: `min 5 > max ${String(doc.max)}`, doc };
    case 3:
      delete doc.target;
      return { what: 'no target', doc };
    case 4:
      target.provider = pick(random, ['nope', '', 5, null, 'HTTP']);
      return { what: `provider ${JSON.stringify(target.provider)}`, doc };
    case 5:
      target.url = pick(random, ['ftp://ops.example/x', 'not a url', '', 5, 'https://user:pw@ops.example/x', 'javascript:alert(1)']);
      return { what: `http url ${JSON.stringify(target.url)}`, doc };
    case 6:
      target.credentials = pick(random, ['plain-secret', 'env:', 'ssm:', 'vault:/x', 5, 'env:lower case']);
      return { what: `credentials ${JSON.stringify(target.credentials)}`, doc };
    case 7:
      rule.type = pick(random, ['magic', '', 5, null]);
      return { what: `rule type ${JSON.stringify(rule.type)}`, doc };
    case 8: {
      const field = pick(random, ['outDuration', 'inDuration']);
      rule[field] = pick(random, BAD_DURATIONS);
      return { what: `${field} ${JSON.stringify(rule[field])}`, doc };
    }
    case 9:
      rule.metric = pick(random, ['', '1abc', 'a b', 5, null, 'x'.repeat(65)]);
      return { what: `metric ${JSON.stringify(rule.metric)}`, doc };
    case 10:
      rule.increaseBy = pick(random, [0, -1, '0%', '-5%', 'lots', 1.5, null]);
      return { what: `increaseBy ${JSON.stringify(rule.increaseBy)}`, doc };
    case 11:
      policy.rules = [{ type: 'target', metric: 'cpu_ratio', target: pick(random, [0, -5, '60', null]) }];
      return { what: `target rule target ${JSON.stringify((policy.rules[0] as Record<string, unknown>).target)}`, doc };
    case 12:
      policy.rules = [{ type: 'step', metric: 'cpu_ratio', statistic: 'mean', window: '2m', steps: pick(random, [[], 'steps', [{ above: 'x', change: 1 }], [{ change: 1 }], [{ above: 70, change: '+lots' }]]) }];
      return { what: `steps ${JSON.stringify((policy.rules[0] as Record<string, unknown>).steps)}`, doc };
    case 13:
      policy.cooldown = pick(random, [{ scaleOut: 'x' }, { scaleIn: -1 }, 'long', 5]);
      return { what: `cooldown ${JSON.stringify(policy.cooldown)}`, doc };
    case 14:
      (policy as Record<string, unknown>).rules = pick(random, [[], 'rules', null, [null], [5]] as unknown[]);
      return { what: `rules ${JSON.stringify(policy.rules)} in auto mode`, doc };
    default:
      return { what: 'a document that is not an object', doc: pick(random, [[], 'service', 5, null, true]) };
  }
}

export interface AdminContext {
  adminToken: string;
  namespace: string;
  /** A service that exists, for the scale, events and metrics routes. */
  existing: string;
}

/** Bad requests to the admin API. */
export function adminCase(random: Random, ctx: AdminContext): Case {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${ctx.adminToken}` };
  const ns = `namespace=${ctx.namespace}`;
  const base = { headers, shape: 'spec' as const };
  const kind = Math.floor(random() * 10);
  switch (kind) {
    case 0:
    case 1:
    case 2: {
      const { what, doc } = badService(random);
      return { ...base, what: `PUT service: ${what}`, method: 'PUT', path: `/v1/services/fz-svc-${Math.floor(random() * 50)}?${ns}`, body: JSON.stringify(doc) };
    }
    case 3: {
      const name = pick(random, ['a%20b', 'x'.repeat(129), '%C3%A9', 'a%3Bb']);
      return { ...base, what: `PUT service named ${name}`, method: 'PUT', path: `/v1/services/${name}?${ns}`, body: JSON.stringify(validService()) };
    }
    case 4: {
      const body = pick(random, [{}, { namespace: ctx.namespace }, { name: 'w' }, { namespace: 'a b', name: 'w' }, { namespace: ctx.namespace, name: 'x'.repeat(129) }, { namespace: 5, name: 'w' }, []]);
      return { ...base, what: `POST key ${JSON.stringify(body)}`, method: 'POST', path: '/v1/keys', body: JSON.stringify(body) };
    }
    case 5: {
      const body = pick(random, [{}, { replicas: -1 }, { replicas: 1.5 }, { replicas: '4' }, { replicas: null }, { replicas: 4, reason: 5 }, { replicas: 4, reason: 'x'.repeat(10_000) }]);
      return { ...base, what: `POST scale ${JSON.stringify(body).slice(0, 80)}`, method: 'POST', path: `/v1/services/${ctx.existing}/scale?${ns}`, body: JSON.stringify(body) };
    }
    case 6: {
      const query = pick(random, ['metric=cpu_ratio&from=garbage', 'metric=cpu_ratio&to=yesterday', 'metric=cpu_ratio&stat=median', 'metric=1abc', 'metric=cpu_ratio&from=2026-13-01T00:00:00Z', 'metric=cpu_ratio&from=9999999999999']);
      return { ...base, what: `GET metrics ?${query}`, method: 'GET', path: `/v1/services/${ctx.existing}/metrics?${ns}&${query}` };
    }
    case 7: {
      const query = pick(random, ['limit=-1', 'limit=abc', 'limit=0', 'limit=1e9', 'limit=1.5']);
      return { ...base, what: `GET events ?${query}`, method: 'GET', path: `/v1/services/${ctx.existing}/events?${ns}&${query}` };
    }
    case 8: {
      const auth = pick(random, [undefined, 'Bearer wrong-token', 'Basic YWRtaW46cHc=', `Bearer ${ctx.adminToken}x`, 'Bearer']);
      const { authorization: _drop, ...rest } = headers;
      return { ...base, what: `admin auth ${auth ?? 'missing'}`, method: 'GET', path: `/v1/services?${ns}`, headers: auth ? { ...rest, authorization: auth } : rest };
    }
    default: {
      const body = pick(random, ['{"dryRun":', '{"dryRun":"yes"}', '{"services":"myweb"}', '[]', '{"services":[5]}']);
      return { ...base, what: `POST evaluate ${body}`, method: 'POST', path: `/v1/evaluate?${ns}`, body };
    }
  }
}

export interface WebhookContext {
  adminToken: string;
  project: string;
  /** A service that exists in the project. */
  existing: string;
}

/** Bad requests to the Rancher-compatible webhook routes. */
export function webhookCase(random: Random, ctx: WebhookContext): Case {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${ctx.adminToken}` };
  const base = { headers, shape: 'rancher' as const };
  const config = { serviceId: ctx.existing, action: 'up', amount: 1, min: 1, max: 10 };
  const kind = Math.floor(random() * 8);
  switch (kind) {
    case 0:
    case 1:
    case 2: {
      const receiver: Record<string, unknown> = { name: `fz-${Math.floor(random() * 1e6)}`, driver: 'scaleService', scaleServiceConfig: { ...config } };
      const sc = receiver.scaleServiceConfig as Record<string, unknown>;
      const mutation = pick(random, [
        () => delete receiver.name,
        () => (receiver.driver = pick(random, ['scaleSideways', '', 5])),
        () => (sc.action = pick(random, ['sideways', '', 5])),
        () => (sc.amount = pick(random, [0, -1, 'one', 1.5])),
        () => (sc.min = 0),
        () => Object.assign(sc, { min: 5, max: 5 }),
        () => (sc.serviceId = 'no-such-service'),
        () => (receiver.cooldown = pick(random, ['x', '-5s', 5])),
        () => delete receiver.scaleServiceConfig,
      ]);
      mutation();
      return { ...base, what: `POST receiver ${JSON.stringify(receiver).slice(0, 120)}`, method: 'POST', path: `/v1-webhooks/receivers?projectId=${ctx.project}`, body: JSON.stringify(receiver) };
    }
    case 3:
      return { ...base, what: 'POST receiver, no projectId', method: 'POST', path: '/v1-webhooks/receivers', body: JSON.stringify({ name: 'fz', driver: 'scaleService', scaleServiceConfig: config }) };
    case 4: {
      const { authorization: _drop, ...rest } = headers;
      return { ...base, what: 'POST receiver without the admin token', method: 'POST', path: `/v1-webhooks/receivers?projectId=${ctx.project}`, headers: rest, body: JSON.stringify({ name: 'fz', driver: 'scaleService', scaleServiceConfig: config }) };
    }
    case 5: {
      const query = pick(random, [`key=${'a'.repeat(40)}&projectId=${ctx.project}`, `projectId=${ctx.project}`, `key=${'a'.repeat(40)}`, '', `key=&projectId=${ctx.project}`, `key=${'x'.repeat(500)}&projectId=${ctx.project}`]);
      return { ...base, what: `trigger ?${query}`, method: 'POST', path: `/v1-webhooks/endpoint?${query}`, headers: {} };
    }
    case 6: {
      const id = pick(random, ['nope', 'x'.repeat(200), '%00']);
      return { ...base, what: `GET receiver ${id}`, method: 'GET', path: `/v1-webhooks/receivers/${id}?projectId=${ctx.project}` };
    }
    default:
      return { ...base, what: 'POST receiver, body not JSON', method: 'POST', path: `/v1-webhooks/receivers?projectId=${ctx.project}`, body: pick(random, ['{"name":', 'name=x', '[]']) };
  }
}
