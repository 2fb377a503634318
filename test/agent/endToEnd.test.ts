import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from '../../agent/collector';
import { dockerEngine } from '../../agent/docker';
import { runAgent, runCycle, type AgentParts } from '../../agent/loop';
import { createSender } from '../../agent/sender';
import { call, freshNamespace } from '../support/client';
import { startHttpApi } from '../support/httpApi';
import { CGROUP_V1_STATS, CGROUP_V2_STATS, later } from './dockerExamples';
import { container, startFakeDocker } from './fakeDocker';
import { forward, startFakeTide } from './fakeTide';
import { recordingLog } from './logs';

const MINUTE = 60_000;
/** A bucket start ten minutes ago, so every sample is well inside what ingest accepts. */
const base = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

const WEB_ID = `1e7563c03ae9${'a'.repeat(52)}`;
const API_ID = `44fc2346b432${'b'.repeat(52)}`;
const GONE_ID = `0badc0ffee00${'c'.repeat(52)}`;

let api: { url: string; close: () => Promise<void> };
let docker: Awaited<ReturnType<typeof startFakeDocker>>;

beforeAll(async () => {
  api = await startHttpApi();
  docker = await startFakeDocker();
});
afterAll(async () => {
  await docker.close();
  await api.close();
});
afterEach(() => {
  docker.state.containers = [];
  docker.state.stats = {};
  docker.state.requests = [];
});

async function agentKey() {
  const namespace = freshNamespace('agent');
  const created = await call(api.url, 'POST', '/v1/keys', { body: { namespace, name: 'worker1' } });
  expect(created.status).toBe(201);
  return { namespace, key: created.body.key as string };
}

/** The agent's parts against the fake Docker on its unix socket; the clock and the waits are the test's. */
function agent(tideUrl: string, key: string, clock: { now: number }) {
  const { log, lines } = recordingLog();
  const now = () => clock.now;
  const waits: number[] = [];
  const parts: AgentParts = {
    collector: createCollector({ docker: dockerEngine({ socketPath: docker.socketPath }), naming: { fromName: false }, now, log }),
    sender: createSender({
      tideUrl,
      agentKey: key,
      node: 'worker1',
      postIntervalMs: MINUTE,
      sampleIntervalMs: 10_000,
      log,
      now,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
    }),
    log,
  };
  return { parts, lines, waits };
}

/** What a user reads back: `GET /v1/services/{service}/metrics`, one point per minute bucket. */
async function points(namespace: string, service: string, metric: string, stat = 'mean') {
  const answer = await call(
    api.url,
    'GET',
    `/v1/services/${encodeURIComponent(service)}/metrics?namespace=${namespace}&metric=${metric}&stat=${stat}&from=${iso(base - 5 * MINUTE)}&to=${iso(base + 10 * MINUTE)}`,
  );
  expect(answer.status).toBe(200);
  return answer.body.points as Array<{ ts: string; value: number; count: number }>;
}

async function value(namespace: string, service: string, metric: string, bucket: number) {
  const found = (await points(namespace, service, metric)).find((p) => p.ts === iso(bucket));
  return found && { value: found.value, count: found.count };
}

describe('node agent → Docker Engine API → Tide ingest → metrics read back', () => {
  it('reports what docker stats shows, per service, and byte rates from the second cycle on', async () => {
    const { namespace, key } = await agentKey();
    docker.state.containers = [
      container(WEB_ID, 'myweb.1.x2kd8zv0jq7f', { 'com.docker.swarm.service.name': 'myweb' }),
      container(API_ID, 'shop-api-1', { 'com.docker.compose.service': 'api', 'com.docker.compose.project': 'shop' }),
      container(GONE_ID, 'myweb.2.stopped', { 'com.docker.swarm.service.name': 'myweb' }),
      container('d'.repeat(64), 'registry', {}),
      container('e'.repeat(64), 'k8s_POD_web', { 'io.kubernetes.container.name': 'POD', 'io.kubernetes.pod.namespace': 'shop' }),
    ];
    docker.state.stats = { [WEB_ID]: CGROUP_V1_STATS, [API_ID]: CGROUP_V2_STATS };
    const clock = { now: base + 5_000 };
    const { parts, lines } = agent(api.url, key, clock);

    await runCycle(parts);
    // Cycle 2, a minute later (the next bucket): 10 s more on the daemon's side for each container.
    // The agent posts the first minute now that it has closed.
    docker.state.stats = {
      [WEB_ID]: later(CGROUP_V1_STATS, { seconds: 10, cpuNs: 3e9, systemNs: 40e9, rxBytes: 51200, txBytes: 10240 }),
      [API_ID]: later(CGROUP_V2_STATS, { seconds: 10, cpuNs: 1e9, systemNs: 40e9, readBytes: 40960, writeBytes: 81920 }),
    };
    clock.now = base + MINUTE + 5_000;
    await runCycle(parts);

    expect(docker.state.requests).toContain(`/containers/${WEB_ID}/stats?stream=false&one-shot=true`);
    expect(docker.state.requests.filter((r) => r.includes('d'.repeat(64)) || r.includes('e'.repeat(64)))).toEqual([]);
    expect(lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    // Cycle 1: the cgroup v1 body carries precpu_stats, so myweb has CPU at once; the
    // one-shot cgroup v2 body does not, so api reports memory only. CPU is sent to 2 decimals, as docker stats shows it.
    expect(await value(namespace, 'myweb', 'cpu_ratio', base)).toEqual({ value: Math.round((121359 / 729814450000000) * 400 * 100) / 100, count: 1 });
    expect(await value(namespace, 'myweb', 'mem_usage', base)).toEqual({ value: 6537216, count: 1 });
    expect(await value(namespace, 'myweb', 'mem_limit', base)).toEqual({ value: 67108864, count: 1 });
    expect(await value(namespace, 'myweb', 'mem_ratio', base)).toEqual({ value: 9.74, count: 1 });
    expect(await value(namespace, 'api', 'cpu_ratio', base)).toBeUndefined();
    expect(await value(namespace, 'api', 'mem_usage', base)).toEqual({ value: 10396928 - 2510848, count: 1 });
    expect(await value(namespace, 'myweb', 'net_read', base)).toBeUndefined();

    // Cycle 3 posts the second minute.
    clock.now = base + 2 * MINUTE + 5_000;
    await runCycle(parts);

    const next = base + MINUTE;
    expect(await value(namespace, 'myweb', 'cpu_ratio', next)).toEqual({ value: expect.closeTo(30, 10), count: 1 });
    expect(await value(namespace, 'myweb', 'net_read', next)).toEqual({ value: 5120, count: 1 });
    expect(await value(namespace, 'myweb', 'net_write', next)).toEqual({ value: 1024, count: 1 });
    expect(await value(namespace, 'myweb', 'blk_read', next)).toEqual({ value: 0, count: 1 });
    expect(await value(namespace, 'api', 'cpu_ratio', next)).toEqual({ value: expect.closeTo(10, 10), count: 1 });
    expect(await value(namespace, 'api', 'blk_read', next)).toEqual({ value: 4096, count: 1 });
    expect(await value(namespace, 'api', 'blk_write', next)).toEqual({ value: 8192, count: 1 });
    expect(await value(namespace, 'api', 'net_read', next)).toEqual({ value: 0, count: 1 });
  });

  it('counts a minute once when Tide stored it but the answer was lost (503): the retry carries the same seq', async () => {
    const { namespace, key } = await agentKey();
    docker.state.containers = [
      container(WEB_ID, 'myweb.1.x2kd8zv0jq7f', { 'com.docker.swarm.service.name': 'myweb' }),
      container(API_ID, 'myweb.2.p0q9r8s7t6u5', { 'com.docker.swarm.service.name': 'myweb' }),
    ];
    docker.state.stats = { [WEB_ID]: CGROUP_V1_STATS, [API_ID]: CGROUP_V2_STATS };
    // A proxy in front of the real ingest: the first answer is swapped for a 503 after Tide stored the batch.
    const upstream: Array<{ status: number; body: unknown }> = [];
    const proxy = await startFakeTide(async (n, request) => {
      upstream.push(await forward(api.url, request));
      return n === 0 ? { status: 503, body: { error: { code: 'internal', message: 'gateway lost the answer' } } } : (upstream[n] as { status: number; body: unknown });
    });
    const clock = { now: base + 5_000 };
    const { parts, waits } = agent(proxy.url, key, clock);

    await runCycle(parts);
    clock.now = base + MINUTE + 5_000;
    await runCycle(parts);
    await proxy.close();

    expect(proxy.received).toHaveLength(2);
    expect(proxy.received[1]?.batch).toEqual(proxy.received[0]?.batch);
    expect(waits).toHaveLength(1);
    expect(upstream).toEqual([
      { status: 202, body: { accepted: 2, duplicate: false } },
      { status: 200, body: { accepted: 0, duplicate: true } },
    ]);
    expect(await value(namespace, 'myweb', 'mem_usage', base)).toEqual({ value: (6537216 + 10396928 - 2510848) / 2, count: 2 });
  });
});

describe('stopping', () => {
  it('on SIGTERM, stops waiting and posts the open minute once', async () => {
    const { namespace, key } = await agentKey();
    docker.state.containers = [container(WEB_ID, 'myweb.1.x2kd8zv0jq7f', { 'com.docker.swarm.service.name': 'myweb' })];
    docker.state.stats = { [WEB_ID]: CGROUP_V1_STATS };
    const clock = { now: base + 5_000 };
    const { parts, lines } = agent(api.url, key, clock);
    const stop = new AbortController();
    const waits: number[] = [];
    // The wait after the first cycle stands for the interval, during which SIGTERM arrives.
    const sleep = async (ms: number) => {
      waits.push(ms);
      stop.abort();
    };

    await runAgent({ ...parts, intervalMs: 10_000, now: () => clock.now, sleep, signal: stop.signal });

    expect(waits).toEqual([10_000]);
    expect(await value(namespace, 'myweb', 'mem_usage', base)).toEqual({ value: 6537216, count: 1 });
    expect(lines.at(-1)).toEqual({ level: 'info', message: 'stopped', fields: { unsentSamples: 0 } });
  });
});
