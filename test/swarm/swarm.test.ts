/**
 * Tide against a real Docker Engine in single-node Swarm mode (Debian's
 * docker.io; CI installs it), through the local stack as `npm start` runs it:
 * the built agent reads the engine's socket and posts to the stack, and the
 * swarm provider scales the engine's services on its TCP API (TLS, client
 * certificate from an env: secret) and on unix sockets. One engine and one
 * stack serve every test here, in order.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_IMAGE, engineUnavailable, startDockerEngine, strangerCertificate, swarmEnv, tlsSecret, type DockerEngine } from '../../scripts/local/dockerEngine';
import { freePort } from '../../scripts/local/dynamodb';
import { checkoutView, npmStart, root, userEnvironment, type RunningStack } from '../stack/localStack';
import { readmeScript, shellBlocks } from '../stack/readme';
import { startEngineProxy, type EngineProxy } from './engineProxy';

const unavailable = engineUnavailable();
// A developer without docker.io skips this file; CI installs it (.ci/run), so there an engine that cannot start fails the run.
const runs = unavailable === undefined || process.env.CI === 'true';
if (!runs) console.warn(`test/swarm: skipped, no Docker Engine can start here: ${unavailable}`);

/**
 * How far the agent's cpu_ratio may be from the cgroup's own counter, in
 * points of one CPU. Both read the same counter (cpuacct.usage, or cpu.stat on
 * cgroup v2) but over different windows: the agent between its own stats
 * readings, 1 s apart, against the host's CPU time from /proc/stat; the test
 * from a reading taken after the agent's first sample reached Tide to one
 * taken after its fifth did, against the wall clock. Each end of the test's
 * window lags the agent's by the same delivery and polling (a few hundred
 * ms), and the containers are held at their CFS quota of 0.25 CPU, so a
 * shifted window moves the figure only where the quota was not reached (a
 * busy host starving them for a moment); /proc/stat counts in 10 ms ticks,
 * under 0.5 % of a 1 s window on 2 CPUs. Over five windows that stays well
 * within 3 points; a wrong formula (no × online CPUs, a per-core figure,
 * memory in place of CPU) is off by 25 points or more.
 */
const CPU_TOLERANCE = 3;
const BURN_CPUS = 0.25;

let engine: DockerEngine;
let view: ReturnType<typeof checkoutView>;
let stack: RunningStack;
let stackEnv: Record<string, string>;
let agentPath: string;
let defaultKey: string;
const agents: ChildProcess[] = [];
const proxies: EngineProxy[] = [];

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}`);
    await wait(200);
  }
}

async function api(path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${stack.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, any> };
}

/** Every sample of a service's metric that Tide holds: their sum and count. */
async function stored(service: string, metric: string, namespace = 'default'): Promise<{ sum: number; count: number }> {
  const { body } = await api(`/v1/services/${service}/metrics?metric=${metric}&stat=mean&namespace=${namespace}`);
  const points = (body.points ?? []) as Array<{ value: number; count: number }>;
  return { sum: points.reduce((sum, p) => sum + p.value * p.count, 0), count: points.reduce((sum, p) => sum + p.count, 0) };
}

/** The mean of the samples that arrived between two looks at `stored`. */
function meanSince(before: { sum: number; count: number }, after: { sum: number; count: number }): number {
  return (after.sum - before.sum) / (after.count - before.count);
}

/** `docker service inspect`'s Spec, as the docker CLI shows it. */
async function spec(service: string): Promise<Record<string, any>> {
  return JSON.parse(await engine.docker(['service', 'inspect', service]))[0].Spec;
}

async function createService(name: string, args: string[]): Promise<void> {
  // --no-resolve-image: no registry lookup; --init: containers stop at once when scaled in.
  await engine.docker(['service', 'create', '--detach', '--no-resolve-image', '--init', '--name', name, ...args]);
}

async function running(service: string): Promise<string[]> {
  const ids = await engine.docker(['ps', '-q', '--no-trunc', '--filter', `label=com.docker.swarm.service.name=${service}`]);
  return ids.split('\n').filter(Boolean);
}

/** The CPU time a container has used, in ns, from its cgroup: cpuacct.usage (v1) or cpu.stat's usage_usec (v2). */
async function cgroupCpuNs(container: string): Promise<number> {
  const pid = (await engine.docker(['inspect', '--format', '{{.State.Pid}}', container])).trim();
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').map((line) => line.split(':'));
  const v1 = lines.find(([, controllers]) => controllers?.split(',').includes('cpuacct'));
  if (v1) return Number(readFileSync(join('/sys/fs/cgroup', v1[1] ?? '', v1[2] ?? '', 'cpuacct.usage'), 'utf8'));
  const v2 = lines.find(([id]) => id === '0');
  const stat = readFileSync(join('/sys/fs/cgroup', v2?.[2] ?? '', 'cpu.stat'), 'utf8');
  return Number(/^usage_usec (\d+)/m.exec(stat)?.[1]) * 1000;
}

/** The containers' CPU use as percent of one CPU, over the time between two readings. */
function cgroupRatio(first: { at: bigint; ns: number[] }, second: { at: bigint; ns: number[] }): number {
  const wallNs = Number(second.at - first.at);
  const ratios = first.ns.map((ns, i) => (((second.ns[i] ?? 0) - ns) / wallNs) * 100);
  return ratios.reduce((a, b) => a + b, 0) / ratios.length;
}

async function cgroupReading(containers: string[]): Promise<{ at: bigint; ns: number[] }> {
  const ns = await Promise.all(containers.map(cgroupCpuNs));
  return { at: process.hrtime.bigint(), ns };
}

/** The built agent (npm run build:agent), as a host runs it; its log lines are kept. */
function startAgent(env: Record<string, string>): { log(): string; stop(): Promise<number | null> } {
  const child = spawn('node', [agentPath], {
    env: userEnvironment({ TIDE_URL: stack.url, TIDE_INTERVAL: '1s', TIDE_SAMPLE_INTERVAL: '1s', TIDE_NODE: 'swarm-test', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  agents.push(child);
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

async function newKey(namespace: string): Promise<string> {
  const { status, body } = await api('/v1/keys', { method: 'POST', body: { namespace, name: `swarm-test-${namespace}` } });
  expect(status).toBe(201);
  return body.key as string;
}

async function lastEvent(service: string) {
  return (await api(`/v1/services/${service}/events?limit=1`)).body.items[0] as Record<string, unknown>;
}

beforeAll(async () => {
  if (!runs) return;
  if (unavailable) throw new Error(`cannot start a Docker Engine: ${unavailable}`);
  engine = await startDockerEngine();
  const stranger = strangerCertificate(join(engine.dir, 'certs', 'stranger'), engine.client.ca);
  await createService('burn', [
    '--replicas', '2', '--limit-cpu', String(BURN_CPUS), '--label', 'team=payments', '--env', 'MODE=burn', '--update-delay', '3s',
    BUSYBOX_IMAGE, 'sh', '-c', 'while :; do :; done',
  ]);
  await createService('idle', ['--replicas', '1', '--label', 'team=payments', BUSYBOX_IMAGE, 'sleep', '1d']);
  await createService('web', ['--replicas', '1', BUSYBOX_IMAGE, 'sleep', '1d']);
  await createService('everywhere', ['--mode', 'global', BUSYBOX_IMAGE, 'sleep', '1d']);
  await createService('migrate', ['--mode', 'replicated-job', BUSYBOX_IMAGE, 'true']);
  await until('burn, idle and web to run', async () => (await running('burn')).length === 2 && (await running('idle')).length === 1 && (await running('web')).length === 1);

  view = checkoutView();
  stackEnv = {
    TIDE_HTTP_PORT: String(await freePort()),
    TIDE_EVALUATOR_SCHEDULE: 'false',
    // The client certificates as a shell's environment holds them for `npm start`: env: secrets.
    TIDE_SWARM_TLS: tlsSecret(engine.client),
    TIDE_SWARM_STRANGER_TLS: tlsSecret(stranger),
  };
  [stack] = await Promise.all([npmStart(view.dir, stackEnv), promisify(execFile)('npm', ['run', 'build:agent'], { cwd: view.dir })]);
  agentPath = join(view.dir, 'dist', 'tide-agent.cjs');
  defaultKey = await newKey('default');
}, 120_000);

afterAll(async () => {
  await Promise.all(agents.map((agent) => (agent.exitCode === null ? new Promise((resolve) => agent.once('exit', resolve).kill('SIGKILL')) : undefined)));
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await stack?.stop();
  view?.remove();
  await engine?.stop();
}, 60_000);

/** The shell blocks of one `## ` section of a markdown file. */
function sectionBlocks(path: string, heading: string) {
  const markdown = readFileSync(path, 'utf8');
  const start = markdown.indexOf(`\n${heading}\n`);
  const end = markdown.indexOf('\n## ', start + 1);
  return shellBlocks(markdown.slice(start, end === -1 ? undefined : end));
}

describe.skipIf(!runs)('Tide and its agent against a real Swarm, through npm start', () => {
  let agent: ReturnType<typeof startAgent>;

  // First, while no other service is on a policy: the walk-through evaluates every service.
  it("runs docs/AGENT.md's local Swarm walk-through as written", async () => {
    // What `npm run swarm` writes, for this engine.
    writeFileSync(join(view.dir, '.tide', 'swarm.env'), swarmEnv(engine));
    const blocks = sectionBlocks(join(root, 'docs', 'AGENT.md'), '## Try it on a local Swarm');
    const logDir = mkdtempSync(join(tmpdir(), 'tide-swarm-docs-'));
    try {
      const run = await promisify(execFile)('bash', ['-c', readmeScript(blocks, logDir)], { cwd: view.dir, env: userEnvironment() }).then(
        ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
        (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
      );
      expect(run.code, run.output.slice(-4000)).toBe(0);
    } finally {
      rmSync(logDir, { recursive: true, force: true });
    }
    const events = (await api('/v1/services/shop/events')).body.items as Array<Record<string, unknown>>;
    expect(events.map(({ trigger, from, to, status }) => ({ trigger, from, to, status }))).toEqual([
      { trigger: 'manual', from: 3, to: 1, status: 'applied' },
      { trigger: 'policy', from: 2, to: 3, status: 'applied' },
    ]);
    expect((await spec('shop')).Mode).toEqual({ Replicated: { Replicas: 1 } });
    await engine.docker(['service', 'rm', 'shop']);
  }, 90_000);

  it("posts the engine's containers under their Swarm service names, CPU agreeing with the cgroup's own counters", async () => {
    const burning = await running('burn');
    const idle = await running('idle');
    // What earlier agents (the walk-through's) left in the namespace; only this agent's samples count below.
    const before = { memory: await stored('burn', 'mem_usage'), burn: await stored('burn', 'cpu_ratio'), idle: await stored('idle', 'cpu_ratio'), idleMemory: await stored('idle', 'mem_usage') };
    agent = startAgent({ TIDE_AGENT_KEY: defaultKey, DOCKER_HOST: engine.socket });
    // The agent's first reading of each container (memory only) is in Tide: its CPU windows start there.
    await until('the first readings of burn', async () => (await stored('burn', 'mem_usage')).count - before.memory.count >= burning.length);
    const first = await cgroupReading([...burning, ...idle]);
    await until('five CPU readings of each burn container', async () => (await stored('burn', 'cpu_ratio')).count - before.burn.count >= 5 * burning.length);
    const second = await cgroupReading([...burning, ...idle]);
    const split = (reading: typeof first) => ({ burn: { at: reading.at, ns: reading.ns.slice(0, burning.length) }, idle: { at: reading.at, ns: reading.ns.slice(burning.length) } });

    const agentSays = { burn: meanSince(before.burn, await stored('burn', 'cpu_ratio')), idle: meanSince(before.idle, await stored('idle', 'cpu_ratio')) };
    const kernelSays = { burn: cgroupRatio(split(first).burn, split(second).burn), idle: cgroupRatio(split(first).idle, split(second).idle) };
    for (const service of ['burn', 'idle'] as const) {
      const why = `${service}: agent ${agentSays[service].toFixed(2)}, cgroup ${kernelSays[service].toFixed(2)}`;
      expect(Math.abs(agentSays[service] - kernelSays[service]), why).toBeLessThanOrEqual(CPU_TOLERANCE);
    }
    // The CPU limit holds the burners at most at 25 % of a CPU, less while the rest of the suite loads both cores; the idle one does nothing.
    expect(agentSays.burn).toBeGreaterThan(2);
    expect(agentSays.idle).toBeLessThan(1);
    expect((await stored('idle', 'mem_usage')).count).toBeGreaterThan(before.idleMemory.count);
  }, 60_000);

  it('scales the CPU-burning service on its policy through the TCP API with TLS, changing nothing but the replicas', async () => {
    const before = await spec('burn');
    const put = await api('/v1/services/burn', {
      method: 'PUT',
      body: {
        mode: 'auto', min: 1, max: 3,
        target: { provider: 'swarm', endpoint: engine.tcp, serviceId: 'burn', credentials: 'env:TIDE_SWARM_TLS' },
        policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 2 }] },
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    const evaluated = await api('/v1/evaluate', { method: 'POST', body: { services: ['burn'] } });
    expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200);

    expect(await lastEvent('burn')).toMatchObject({ trigger: 'policy', from: 2, to: 3, status: 'applied' });
    const after = await spec('burn');
    expect(after.Mode).toEqual({ Replicated: { Replicas: 3 } });
    expect({ ...after, Mode: before.Mode }).toEqual(before);
    await agent.stop();
  }, 60_000);

  it('scales by hand and by a Rancher-style webhook, on TLS and on the unix socket', async () => {
    const burnBefore = await spec('burn');
    const manual = await api('/v1/services/burn/scale', { method: 'POST', body: { replicas: 2, reason: 'back to two' } });
    expect(manual.status, JSON.stringify(manual.body)).toBe(200);
    expect(manual.body).toMatchObject({ from: 3, to: 2, status: 'applied' });
    const burnAfter = await spec('burn');
    expect(burnAfter.Mode).toEqual({ Replicated: { Replicas: 2 } });
    expect({ ...burnAfter, Mode: burnBefore.Mode }).toEqual(burnBefore);

    const idleBefore = await spec('idle');
    const put = await api('/v1/services/idle', {
      method: 'PUT',
      body: { mode: 'manual', min: 1, max: 5, target: { provider: 'swarm', endpoint: engine.socket, serviceId: 'idle' } },
    });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    const receiver = await api('/v1-webhooks/receivers?projectId=default', {
      method: 'POST',
      body: { name: 'idle-up', driver: 'scaleService', scaleServiceConfig: { serviceId: 'idle', action: 'up', amount: 1, min: 1, max: 5 } },
    });
    expect(receiver.status, JSON.stringify(receiver.body)).toBe(200);
    const trigger = await fetch(String(receiver.body.url), { method: 'POST' });
    expect(trigger.status, await trigger.clone().text()).toBe(200);
    expect(await trigger.json()).toMatchObject({ from: 1, to: 2, status: 'applied' });
    const idleAfter = await spec('idle');
    expect(idleAfter.Mode).toEqual({ Replicated: { Replicas: 2 } });
    expect({ ...idleAfter, Mode: idleBefore.Mode }).toEqual(idleBefore);
    expect(await lastEvent('idle')).toMatchObject({ trigger: 'webhook', receiver: 'idle-up', from: 1, to: 2, status: 'applied' });
  });

  it('takes a service to 0 replicas with tide scale, and a webhook wakes it', async () => {
    await createService('nightly', ['--replicas', '1', BUSYBOX_IMAGE, 'sleep', '1d']);
    await until('nightly to run', async () => (await running('nightly')).length === 1);
    const before = await spec('nightly');
    const put = await api('/v1/services/nightly', { method: 'PUT', body: { mode: 'manual', min: 0, max: 3, target: { provider: 'swarm', endpoint: engine.socket, serviceId: 'nightly' } } });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);

    const tide = async (...args: string[]) => (await promisify(execFile)('npx', ['tide', ...args], { cwd: view.dir, env: userEnvironment() })).stdout;
    expect(await tide('scale', 'nightly', '0', '--reason', 'queue empty')).toBe('nightly: 1 → 0 applied\n');
    expect((await spec('nightly')).Mode).toEqual({ Replicated: { Replicas: 0 } });
    await until('nightly to stop its container', async () => (await running('nightly')).length === 0);

    const receiver = await api('/v1-webhooks/receivers?projectId=default', {
      method: 'POST',
      body: { name: 'nightly-wake', driver: 'scaleService', scaleServiceConfig: { serviceId: 'nightly', action: 'up', amount: 1, min: 1, max: 3 } },
    });
    expect(receiver.status, JSON.stringify(receiver.body)).toBe(200);
    const trigger = await fetch(String(receiver.body.url), { method: 'POST' });
    expect(trigger.status, await trigger.clone().text()).toBe(200);
    expect(await trigger.json()).toMatchObject({ from: 0, to: 1, status: 'applied' });
    await until('nightly to run again', async () => (await running('nightly')).length === 1);
    const after = await spec('nightly');
    expect(after.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect({ ...after, Mode: before.Mode }).toEqual(before);
    const events = (await api('/v1/services/nightly/events')).body.items as Array<Record<string, unknown>>;
    expect(events.map(({ trigger, from, to, status, reason }) => ({ trigger, from, to, status, reason }))).toEqual([
      { trigger: 'webhook', from: 0, to: 1, status: 'applied', reason: 'webhook nightly-wake: up by 1' },
      { trigger: 'manual', from: 1, to: 0, status: 'applied', reason: 'queue empty' },
    ]);
  }, 60_000);

  it.each([
    { service: 'everywhere', why: 'service everywhere is global: global services cannot be scaled', mode: { Global: {} } },
    { service: 'migrate', why: 'service migrate is a replicated job: jobs run to completion and cannot be scaled', mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } } },
  ])('refuses to scale $service, saying why', async ({ service, why, mode }) => {
    await api(`/v1/services/${service}`, { method: 'PUT', body: { mode: 'manual', min: 1, max: 5, target: { provider: 'swarm', endpoint: engine.socket, serviceId: service } } });
    const scale = await api(`/v1/services/${service}/scale`, { method: 'POST', body: { replicas: 2 } });
    expect(scale.status).toBe(502);
    expect(scale.body.error).toMatchObject({ code: 'upstream_failed', message: `the platform refused the scaling: swarm read failed: ${why}` });
    expect(await lastEvent(service)).toMatchObject({ status: 'failed', reason: 'could not read the current replicas', detail: `swarm read failed: ${why}` });
    expect((await spec(service)).Mode).toEqual(mode);
  });

  it("reads again and retries when another writer updates the service between Tide's read and write, keeping that writer's change", async () => {
    const updates: number[] = [];
    let raced = false;
    const proxy = await startEngineProxy(engine.socket, {
      // Another writer (a deploy, an operator) updates web just before Tide's first write reaches the engine.
      before: async ({ method, url }) => {
        if (method !== 'POST' || !url.includes('/services/web/update') || raced) return;
        raced = true;
        await engine.docker(['service', 'update', '--detach', '--label-add', 'deployed-by=ci', 'web']);
      },
      answered: ({ method, url }, status) => {
        if (method === 'POST' && url.includes('/services/web/update')) updates.push(status);
      },
    });
    proxies.push(proxy);
    await api('/v1/services/web', { method: 'PUT', body: { mode: 'manual', min: 1, max: 5, target: { provider: 'swarm', endpoint: proxy.socket, serviceId: 'web' } } });

    const scale = await api('/v1/services/web/scale', { method: 'POST', body: { replicas: 2 } });
    expect(scale.status, JSON.stringify(scale.body)).toBe(200);
    expect(updates).toEqual([500, 200]);
    const after = await spec('web');
    expect(after.Mode).toEqual({ Replicated: { Replicas: 2 } });
    expect(after.Labels).toEqual({ 'deployed-by': 'ci' });
  });

  it('fails clearly when the engine refuses the client certificate', async () => {
    await api('/v1/services/burn-elsewhere', {
      method: 'PUT',
      body: { mode: 'manual', min: 1, max: 5, target: { provider: 'swarm', endpoint: engine.tcp, serviceId: 'burn', credentials: 'env:TIDE_SWARM_STRANGER_TLS' } },
    });
    const scale = await api('/v1/services/burn-elsewhere/scale', { method: 'POST', body: { replicas: 4 } });
    expect(scale.status).toBe(502);
    const https = engine.tcp.replace('tcp://', 'https://');
    expect(scale.body.error.message).toBe(
      `the platform refused the scaling: swarm read failed: GET /v1.41/services/burn on ${https} refused the TLS client certificate in env:TIDE_SWARM_STRANGER_TLS (ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE): the daemon's --tlscacert must have signed it`,
    );
    expect((await spec('burn')).Mode).toEqual({ Replicated: { Replicas: 2 } });
  });

  it('keeps its minutes while the stack is stopped and delivers them, each sample counted once, when it is back', async () => {
    // What the agent read: per service, each stats answer with memory in it is one sample.
    const serviceOf = new Map<string, string>();
    const read = new Map<string, number>();
    const proxy = await startEngineProxy(engine.socket, {
      answered: ({ url }, status, body) => {
        if (status !== 200) return;
        const answer = jsonOf(body);
        if (url.startsWith('/containers/json') && Array.isArray(answer)) {
          for (const c of answer as Array<{ Id: string; Labels: Record<string, string> }>) serviceOf.set(c.Id, c.Labels['com.docker.swarm.service.name'] ?? '');
        }
        const stats = /^\/containers\/([0-9a-f]+)\/stats/.exec(url);
        const service = stats && serviceOf.get(stats[1] ?? '');
        if (service && (answer as { memory_stats?: { usage?: number } } | undefined)?.memory_stats?.usage !== undefined) read.set(service, (read.get(service) ?? 0) + 1);
      },
    });
    proxies.push(proxy);
    const outage = startAgent({ TIDE_AGENT_KEY: await newKey('outage'), DOCKER_HOST: proxy.socket });
    const inTide = async () => (await stored('burn', 'mem_usage', 'outage')).count;
    await until('the first post', async () => (await inTide()) > 0);

    await stack.stop();
    await until('two cycles kept while the stack is down', () => outage.log().split('Tide unreachable; keeping the minutes').length > 2, 60_000);
    const url = stack.url;
    stack = await npmStart(view.dir, stackEnv);
    expect(stack.url).toBe(url);
    const readWhileDown = read.get('burn') ?? 0;
    await until('the kept minutes to arrive', async () => (await inTide()) >= readWhileDown, 60_000);

    expect(await outage.stop()).toBe(0);
    expect(outage.log()).toMatch(/"stopped".*"unsentSamples":0/);
    for (const service of ['burn', 'idle']) expect((await stored(service, 'mem_usage', 'outage')).count, service).toBe(read.get(service));
  }, 120_000);
});

/** An answer's JSON; undefined for a body the agent could not read either (cut short when it gave up on the request). */
function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString());
  } catch {
    return undefined;
  }
}
