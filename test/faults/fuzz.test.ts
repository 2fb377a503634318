/**
 * The fuzz suite: thousands of seeded bad requests across ingest, the admin
 * API and the webhook routes, through the HTTP API. Each must be refused with
 * a 4xx in its route's error shape, show no secret or stack, and store
 * nothing (read back through the API afterwards).
 *
 *   TIDE_FUZZ_SEED=20261130 TIDE_FUZZ_CASES=5000 npx vitest run test/fuzz
 */
import { STATUS_CODES } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, call, freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { startHttpApi } from '../support/httpApi';
import { adminCase, ingestCase, seeded, webhookCase, type Case } from './generate';

const SEED = Number(process.env.TIDE_FUZZ_SEED ?? 20261130);
const CASES = Number(process.env.TIDE_FUZZ_CASES ?? 5000);
const IN_FLIGHT = 8;
/** What SPEC.md's error codes answer with. */
const CODES: Record<number, string> = { 400: 'validation_failed', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'rate_limited' };
const SERVICES = ['fz-web', 'fz-api', 'fz-db'];

let api: { url: string; close: () => Promise<void> };
let platform: Awaited<ReturnType<typeof startHttpTarget>>;
let namespace: string;
let agentKey: string;
let keysBefore: number;

beforeAll(async () => {
  api = await startHttpApi();
  platform = await startHttpTarget(2);
  namespace = freshNamespace('fuzz');
  const key = await call(api.url, 'POST', '/v1/keys', { body: { namespace, name: 'fuzz' } });
  agentKey = key.body.key;
  keysBefore = (await call(api.url, 'GET', '/v1/keys')).body.items.length;
  const put = await call(api.url, 'PUT', `/v1/services/fz-existing?namespace=${namespace}`, { body: { mode: 'manual', min: 1, max: 10, target: { provider: 'http', url: platform.url } } });
  expect(put.status).toBe(201);
});

afterAll(async () => {
  await platform.close();
  await api.close();
});

interface Finding {
  index: number;
  what: string;
  request: string;
  status: number;
  problem: string;
  body: string;
}

/** What is wrong with an answer to a bad request, or undefined when it is right. */
function problemWith(c: Case, status: number, text: string): string | undefined {
  if (status < 400 || status >= 500) return `answered ${status}, not a 4xx`;
  if (text.includes(ADMIN_TOKEN) || text.includes(agentKey)) return 'shows a secret';
  if (/\bat [\w.<>]+ \(|\.ts:\d+|node:internal/.test(text)) return 'shows a stack trace';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  if (c.shape === 'rancher') {
    const b = body as { type?: unknown; statusCode?: unknown; status?: unknown; message?: unknown };
    if (b.type !== 'error' || b.statusCode !== status || b.status !== STATUS_CODES[status] || typeof b.message !== 'string' || b.message === '') return "is not Rancher's error shape";
    return undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } }).error;
  if (!error || typeof error.message !== 'string' || error.message === '') return "is not SPEC's error shape";
  if (error.code !== CODES[status]) return `has code ${String(error.code)} for ${status}`;
  if (error.details !== undefined) {
    const details = error.details as Array<{ path?: unknown; message?: unknown }>;
    if (!Array.isArray(details) || details.some((d) => typeof d.path !== 'string' || typeof d.message !== 'string' || d.message === '')) return 'has malformed details';
  }
  return undefined;
}

describe(`${CASES} seeded bad requests (seed ${SEED})`, () => {
  it('are each refused with a 4xx in the route’s error shape, without a secret or a stack', async () => {
    const random = seeded(SEED);
    const now = Date.now();
    const cases: Case[] = Array.from({ length: CASES }, () => {
      const roll = random();
      if (roll < 0.5) return ingestCase(random, { now, agentKey, adminToken: ADMIN_TOKEN, services: SERVICES });
      if (roll < 0.8) return adminCase(random, { adminToken: ADMIN_TOKEN, namespace, existing: 'fz-existing' });
      return webhookCase(random, { adminToken: ADMIN_TOKEN, project: namespace, existing: 'fz-existing' });
    });
    const findings: Finding[] = [];
    const tally = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < cases.length; index = next++) {
        const c = cases[index] as Case;
        const response = await fetch(`${api.url}${c.path}`, { method: c.method, headers: c.headers, ...(c.body === undefined ? {} : { body: c.body }) });
        const text = await response.text();
        const family = c.path.startsWith('/v1/metrics') ? 'ingest' : c.shape === 'rancher' ? 'webhooks' : 'admin';
        tally.set(`${family} ${response.status}`, (tally.get(`${family} ${response.status}`) ?? 0) + 1);
        const problem = problemWith(c, response.status, text);
        if (problem) findings.push({ index, what: c.what, request: `${c.method} ${c.path}`.slice(0, 160), status: response.status, problem, body: text.slice(0, 300) });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    // The figures docs/RELIABILITY.md quotes: answers by route family and status.
    console.log(`fuzz (seed ${SEED}): ${[...tally].sort().map(([k, n]) => `${k} ×${n}`).join(', ')}`);
    // One line per finding names the case, so `TIDE_FUZZ_SEED` and the index reproduce it.
    expect(findings.slice(0, 25), `${findings.length} of ${CASES} answers were wrong (seed ${SEED})`).toEqual([]);
  }, 600_000);

  it('stored nothing: no aggregate, service, key, event or receiver appeared', async () => {
    const metrics = ['cpu_ratio', 'mem_usage', 'mem_ratio', 'net_read', 'net_write', 'blk_read', 'blk_write', 'rps', 'm0', 'm20'];
    for (const service of SERVICES) {
      for (const metric of metrics) {
        const read = await call(api.url, 'GET', `/v1/services/${service}/metrics?namespace=${namespace}&metric=${metric}&stat=count`);
        expect(read.status, `${service} ${metric}`).toBe(200);
        expect(read.body.points, `${service} ${metric}`).toEqual([]);
      }
    }
    const services = await call(api.url, 'GET', `/v1/services?namespace=${namespace}`);
    expect(services.body.items.map((s: { service: string }) => s.service)).toEqual(['fz-existing']);
    expect((await call(api.url, 'GET', '/v1/keys')).body.items.length).toBe(keysBefore);
    expect((await call(api.url, 'GET', `/v1/services/fz-existing/events?namespace=${namespace}`)).body.items).toEqual([]);
    expect(platform.state.received).toEqual([]);
    const receivers = await call(api.url, 'GET', `/v1-webhooks/receivers?projectId=${namespace}`);
    expect(receivers.body.data).toEqual([]);
  }, 60_000);
});
