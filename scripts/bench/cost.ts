/**
 * `npm run bench:cost`: what watching a fleet costs, counted on the wire. The
 * real agent (built, dist/tide-agent.cjs) runs once per node at its defaults
 * against Docker stand-ins, posting to the local stack as `npm start` runs it
 * (its function URL, or the HTTP API with --ingest http-api); the evaluator
 * runs a tick a minute through the stack's Lambda Invoke API. Every DynamoDB
 * request passes a counting proxy on 127.0.0.1 that asks DynamoDB Local for
 * the capacity each consumed (ReturnConsumedCapacity), which is what AWS
 * bills. Posts and ticks take turns, so each request belongs to one of them.
 * Writes the per-POST and per-tick figures to lib/cost/measured.json, which
 * `npm run cost` reads (docs/COST.md).
 *
 * Flags: --nodes 20 --services 8 --minutes 3 (the ratio of 1,000 containers to 40 services) --ingest function-url|http-api --dry (print, write nothing)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Measured } from '../../lib/cost/bill';
import { keys } from '../../lib/store/keys';
import { CGROUP_V1_STATS, later } from '../../test/agent/dockerExamples';
import { container, startFakeDocker } from '../../test/agent/fakeDocker';
import type { DockerStats } from '../../agent/stats';
import { startDynamoDbLocal } from '../local/dynamodb';
import { listenOnFirstFree } from '../local/httpApi';
import { MEASURED_FILE } from '../cost/cli';

const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string', default: '20' },
    services: { type: 'string', default: '8' },
    minutes: { type: 'string', default: '3' },
    ingest: { type: 'string', default: 'function-url' },
    dry: { type: 'boolean', default: false },
  },
});
const NODES = Number(flags.nodes);
const SERVICES = Number(flags.services);
const MINUTES = Number(flags.minutes);
if (![NODES, SERVICES, MINUTES].every((n) => Number.isInteger(n) && n >= 1) || SERVICES < 3 || !['function-url', 'http-api'].includes(flags.ingest)) {
  console.error('--nodes and --minutes must be whole numbers of at least 1, --services at least 3, --ingest function-url or http-api');
  process.exit(2);
}
const root = join(import.meta.dirname, '..', '..');
const CONTAINERS_PER_NODE = 10;
/** Each container burns 60 % of one CPU, each service's target: every decision is "unchanged", the common tick. */
const CPU_SHARE = 0.6;
const TARGET = 60;
/** Uncounted posts and ticks first, so that the functions run compiled, as in an environment serving a fleet. */
const WARM_UP_POSTS = 2000;
const WARM_UP_TICKS = 100;
const MINUTES_PREFIX = `${keys.minutePartition('', 0, 0).split('#')[0]}#`;
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const CAPACITY_OPS = new Set([...READS, 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

// ---- Who is talking to DynamoDB: posts and ticks take turns behind one lock.

type Phase = 'post' | 'tick';
interface Tally {
  requests: Map<string, number>;
  readUnits: number;
  writeUnits: number;
  /** Reads of the minutes partitions, which grow with nodes rather than services. */
  minutesRequests: Map<string, number>;
  minutesReadUnits: number;
  count: number;
  /** Wall time, as the local stack took it (DynamoDB Local is slower than DynamoDB). */
  ms: number;
  /** CPU time of the stack's function threads (stackCpuMs). */
  cpuMs: number;
  logBytes: number;
  /** The part of logBytes that is CloudWatch metrics. */
  metricLogBytes: number;
  /** Bytes of the minute items written, for storage. */
  itemBytes: number;
}
const tally = (): Tally => ({ requests: new Map(), readUnits: 0, writeUnits: 0, minutesRequests: new Map(), minutesReadUnits: 0, count: 0, ms: 0, cpuMs: 0, logBytes: 0, metricLogBytes: 0, itemBytes: 0 });
const tallies: Record<Phase | 'setup', Tally> = { post: tally(), tick: tally(), setup: tally() };
let holder: Phase | 'setup' = 'setup';
let lastHolder: Phase | 'setup' = 'setup';
let measuring = false;
/** What the measured ticks decided, service by service: "unchanged" is the common, cheapest tick. */
const tickStatuses = new Map<string, number>();
let warmUpPosts = 0;
let lock: Promise<void> = Promise.resolve();

/** Runs `work` alone, its DynamoDB requests counted under `phase`. */
async function turn<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
  const previous = lock;
  let release!: () => void;
  lock = new Promise((resolve) => (release = resolve));
  await previous;
  holder = phase;
  const started = performance.now();
  const cpu = stackCpuMs();
  try {
    return await work();
  } finally {
    if (!measuring && phase === 'post') warmUpPosts++;
    if (measuring) {
      tallies[phase].count++;
      tallies[phase].ms += performance.now() - started;
      tallies[phase].cpuMs += stackCpuMs() - cpu;
    }
    lastHolder = phase;
    holder = 'setup';
    release();
  }
}
/** The stack's process group (npm start runs detached, its own group). */
let stackGroup = 0;

/**
 * CPU time so far of the threads that stand for Lambda's: every thread of the stack's processes but
 * their main threads, which run the emulation (HTTP servers, events, dispatch), not the functions.
 * The handlers run in worker threads, beside V8's helper threads. From the kernel's scheduler statistics (ns).
 */
function stackCpuMs(): number {
  if (stackGroup === 0) return 0;
  let ns = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // Field 5 of /proc/<pid>/stat, counted after the command's closing parenthesis, is the process group.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== stackGroup) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`).filter((t) => t !== pid)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // A process or thread that ended between the listing and the read.
    }
  }
  return ns / 1e6;
}

const current = (): Tally => (measuring ? tallies[holder] : tallies.setup);
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** An item's size as DynamoDB bills it: names plus values (numbers taken at their text length, a slight overestimate). */
function itemBytes(item: Record<string, Record<string, unknown>> | undefined): number {
  const value = (v: Record<string, unknown>): number => {
    const [type, raw] = Object.entries(v)[0] ?? ['NULL', null];
    if (type === 'S' || type === 'N') return Buffer.byteLength(String(raw));
    if (type === 'B') return Buffer.from(String(raw), 'base64').length;
    if (type === 'M') return 3 + itemBytes(raw as Record<string, Record<string, unknown>>) + Object.keys(raw as object).length;
    if (type === 'L') return 3 + (raw as Record<string, unknown>[]).reduce((n, e) => n + 1 + value(e), 0);
    if (type === 'SS' || type === 'NS') return (raw as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
    return 1;
  };
  return Object.entries(item ?? {}).reduce((n, [name, v]) => n + Buffer.byteLength(name) + value(v), 0);
}

/** A proxy in front of DynamoDB Local that asks for, and counts, the capacity each request consumed. */
async function startCountingProxy(upstream: string): Promise<{ url: string; close(): void }> {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      let body = Buffer.concat(chunks);
      let input: Record<string, unknown> = {};
      try {
        input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        // Not JSON: passed on as it came.
      }
      if (CAPACITY_OPS.has(op)) body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
      const tally = current();
      const minutes = READS.has(op) && body.includes(`"${MINUTES_PREFIX}`);
      bump(tally.requests, op);
      if (minutes) bump(tally.minutesRequests, op);
      const headers = { ...req.headers, 'content-length': String(body.length), host: target.host };
      const forward = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (answer: IncomingMessage) => {
        const parts: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => parts.push(chunk));
        answer.on('end', () => {
          const raw = Buffer.concat(parts);
          count(op, input, raw, answer.statusCode ?? 0, tally, minutes);
          res.writeHead(answer.statusCode ?? 500, answer.headers).end(raw);
        });
      });
      forward.on('error', () => res.writeHead(502).end());
      forward.end(body);
    });
  });
  // DynamoDB keeps an idle connection about a minute; Node's server would close it after 5 s, and
  // every post would pay for a connection that a function in AWS reuses.
  server.keepAliveTimeout = 60_000;
  const port = await listenOnFirstFree(server, [0]);
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

function count(op: string, input: Record<string, unknown>, raw: Buffer, status: number, tally: Tally, minutes: boolean): void {
  let output: Record<string, unknown> = {};
  try {
    output = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    return;
  }
  const consumed = [output.ConsumedCapacity ?? []].flat() as Array<{ CapacityUnits?: number }>;
  let units = consumed.reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
  const item = input.Item as Record<string, Record<string, unknown>> | undefined;
  // A conditional write that fails is billed too, at least one unit; DynamoDB Local reports nothing for it.
  if (status === 400 && String(output.__type).includes('ConditionalCheckFailed')) units = Math.max(1, Math.ceil(itemBytes(item) / 1024));
  if (READS.has(op)) {
    tally.readUnits += units;
    if (minutes) tally.minutesReadUnits += units;
  } else {
    tally.writeUnits += units;
    if (op === 'PutItem' && status === 200 && String((item?.pk as { S?: string } | undefined)?.S).startsWith(MINUTES_PREFIX)) tally.itemBytes += itemBytes(item);
  }
}

// ---- The fleet: Docker stand-ins whose counters move with the clock, and a platform stand-in.

const serviceNames = Array.from({ length: SERVICES }, (_, i) => `svc-${i}`);
/** Node n runs ten containers of three services, n's and the next two. */
const placement = Array.from({ length: NODES }, (_, n) => Array.from({ length: CONTAINERS_PER_NODE }, (_, c) => serviceNames[(n + (c % 3)) % SERVICES] as string));
const replicas = new Map(serviceNames.map((s) => [s, placement.flat().filter((name) => name === s).length]));

/** A container's stats now: CPU at CPU_SHARE of one of four CPUs, traffic at steady rates, all counted from `since`. */
function statsAt(since: number): DockerStats {
  const seconds = (Date.now() - since) / 1000;
  return later(CGROUP_V1_STATS, { seconds, cpuNs: CPU_SHARE * seconds * 1e9, systemNs: 4 * seconds * 1e9, rxBytes: Math.round(seconds * 20_000), txBytes: Math.round(seconds * 5_000) });
}

async function startFleet() {
  const since = Date.now();
  return Promise.all(
    placement.map(async (services, n) => {
      const docker = await startFakeDocker();
      docker.state.containers = services.map((service, c) => container(`${String(n).padStart(4, '0')}${String(c).padStart(8, '0')}${'f'.repeat(52)}`, `${service}.${c}`, { 'com.docker.swarm.service.name': service }));
      for (const c of docker.state.containers) Object.defineProperty(docker.state.stats, c.Id, { get: () => statsAt(since), enumerable: true });
      return docker;
    }),
  );
}

async function startPlatform(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    const service = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ replicas: replicas.get(service) ?? 1 }));
  });
  // DynamoDB keeps an idle connection about a minute; Node's server would close it after 5 s, and
  // every post would pay for a connection that a function in AWS reuses.
  server.keepAliveTimeout = 60_000;
  const port = await listenOnFirstFree(server, [0]);
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** An agent's post as it came: the gate keeps the last one, for the warm-up to replay. */
interface Post {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A pass-through in front of the ingest URL: each POST takes its turn, so what it costs DynamoDB is counted as a post. */
async function startIngestGate(upstream: string): Promise<{ url: string; close(): void; lastPost(): Post | undefined }> {
  const target = new URL(upstream);
  let last: Post | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      last = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) };
      void turn('post', () =>
        new Promise<void>((resolve) => {
          const forward = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => parts.push(chunk));
            answer.on('end', () => {
              res.writeHead(answer.statusCode ?? 500, answer.headers).end(Buffer.concat(parts));
              resolve();
            });
          });
          forward.on('error', () => (res.writeHead(502).end(), resolve()));
          forward.end(Buffer.concat(chunks));
        }),
      );
    });
  });
  const port = await listenOnFirstFree(server, [0]);
  return { url: `http://127.0.0.1:${port}`, close: () => server.close(), lastPost: () => last };
}

/**
 * A Lambda environment serving a fleet has handled thousands of posts, its code long compiled by
 * V8; a fresh one spends several times the CPU on its first. So before measuring, the ingest URL
 * gets `count` copies of a real agent's post, each from another node name (a new item, as every
 * real post writes), uncounted.
 */
async function warmIngest(url: string, post: Post, count: number): Promise<void> {
  const minutes = JSON.parse(gunzipSync(post.body).toString('utf8')) as Record<string, unknown>;
  for (let i = 0; i < count; i++) {
    const body = gzipSync(JSON.stringify({ ...minutes, node: `warm-up-${i}`, batchId: `warm-up-${i}` }));
    const res = await fetch(`${url}${post.path}`, { method: 'POST', headers: { ...(post.headers as Record<string, string>), 'content-length': String(body.length) }, body });
    if (res.status !== 202) throw new Error(`warm-up post: ${res.status} ${await res.text()}`);
  }
}

/** Every CloudWatch metric seen in the functions' logs: its name and dimensions, as CloudWatch bills each. */
const cloudWatchMetrics = new Set<string>();

/** The metrics an embedded-metric-format log line defines, each as `name dimension=value…`; none for any other line. */
function emfMetrics(line: string): string[] {
  if (!line.startsWith('{"_aws"') && !line.includes('"CloudWatchMetrics"')) return [];
  try {
    const record = JSON.parse(line) as Record<string, unknown> & { _aws?: { CloudWatchMetrics?: Array<{ Dimensions?: string[][]; Metrics?: Array<{ Name: string }> }> } };
    return (record._aws?.CloudWatchMetrics ?? []).flatMap((set) =>
      (set.Metrics ?? []).flatMap((metric) => (set.Dimensions ?? [[]]).map((dims) => [metric.Name, ...dims.map((d) => `${d}=${String(record[d])}`)].join(' '))),
    );
  } catch {
    return [];
  }
}

// ---- The stack, as npm start runs it.

interface Stack {
  api: string;
  ingestUrl: string;
  lambda: string;
  token: string;
  child: ChildProcess;
}

async function startStack(dynamodb: string, stateDir: string, token: string): Promise<Stack> {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'start.ts')], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_NO_WARNINGS: '1',
      TIDE_STATE_DIR: stateDir,
      TIDE_DYNAMODB_ENDPOINT: dynamodb,
      TIDE_ADMIN_TOKEN: token,
      TIDE_EVALUATOR_SCHEDULE: 'false',
      TIDE_INGEST_FUNCTION_URL: 'true',
      // Off by default; measured on, so that `npm run cost -- --cloudwatch-metrics on` can price them.
      TIDE_CLOUDWATCH_METRICS: 'true',
      TIDE_HTTP_PORT: '3100',
    },
  });
  stackGroup = child.pid ?? 0;
  let output = '';
  let partial = '';
  const onOutput = (chunk: Buffer) => {
    output += chunk.toString();
    if (!measuring || !output.includes('Tide is running')) return;
    // Every byte the functions log once running is a byte CloudWatch Logs would ingest.
    const phase = tallies[holder === 'setup' ? lastHolder : holder];
    phase.logBytes += chunk.length;
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const metrics = emfMetrics(line);
      if (metrics.length === 0) continue;
      phase.metricLogBytes += Buffer.byteLength(line) + 1;
      for (const metric of metrics) cloudWatchMetrics.add(metric);
    }
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  while (!/Lambda: +http/.test(output)) {
    if (child.exitCode !== null) throw new Error(`the stack exited:\n${output}`);
    await wait(100);
  }
  const field = (label: RegExp) => label.exec(output)?.[1] ?? '';
  return { api: field(/API: +(http\S+)/), ingestUrl: field(/ingest URL: +(http\S+)/), lambda: field(/Lambda: +(http\S+)/), token, child };
}

async function call(url: string, method: string, body: unknown, token: string): Promise<unknown> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** One scheduled evaluator invocation, as EventBridge's once-a-minute rule delivers it. */
async function tick(stack: Stack): Promise<void> {
  await turn('tick', async () => {
    const event = { version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString(), detail: {} };
    const res = await fetch(`${stack.lambda}/2015-03-31/functions/tide-local-evaluator/invocations`, { method: 'POST', body: JSON.stringify(event) });
    const text = await res.text();
    if (res.headers.get('x-amz-function-error')) throw new Error(`evaluator tick failed: ${text}`);
    if (measuring) for (const result of (JSON.parse(text) as { results?: Array<{ status: string }> }).results ?? []) bump(tickStatuses, result.status);
  });
}

const perEach = (map: Map<string, number>, n: number) => Object.fromEntries([...map].sort().map(([k, v]) => [k, round(v / n, 3)]));
const round = (value: number, digits: number) => Number(value.toFixed(digits));
const sumOf = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build:agent'], { cwd: root, stdio: 'inherit' });
  const stateDir = mkdtempSync(join(tmpdir(), 'tide-bench-cost-'));
  const dynamodb = await startDynamoDbLocal();
  const proxy = await startCountingProxy(dynamodb.endpoint);
  const platform = await startPlatform();
  const fleet = await startFleet();
  const agents: ChildProcess[] = [];
  let stack: Stack | undefined;
  let gate: Awaited<ReturnType<typeof startIngestGate>> | undefined;
  try {
    stack = await startStack(proxy.url, stateDir, `bench-${Date.now()}`);
    const { key } = (await call(`${stack.api}/v1/keys`, 'POST', { namespace: 'bench', name: 'bench' }, stack.token)) as { key: string };
    for (const service of serviceNames) {
      await call(`${stack.api}/v1/services/${service}?namespace=bench`, 'PUT', {
        mode: 'auto', min: 1, max: 100,
        target: { provider: 'http', url: `${platform.url}/scale/${service}` },
        policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: TARGET }] },
      }, stack.token);
    }
    gate = await startIngestGate(flags.ingest === 'function-url' ? stack.ingestUrl : stack.api);
    const agentFile = join(root, 'dist', 'tide-agent.cjs');
    fleet.forEach((docker, n) => {
      const agent = spawn(process.execPath, [agentFile], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { PATH: process.env.PATH, TIDE_URL: gate?.url, TIDE_AGENT_KEY: key, TIDE_NODE: `node-${String(n).padStart(3, '0')}`, DOCKER_HOST: `unix://${docker.socketPath}`, TIDE_LOG_LEVEL: 'warn' },
      });
      agents.push(agent);
    });

    // Warm-up: every agent's first post, then uncounted copies of one, and uncounted ticks.
    while (warmUpPosts < NODES) await wait(1000);
    const post = gate.lastPost();
    // In a namespace of their own, so that no tick reads the warm-up's minutes.
    const warmUp = (await call(`${stack.api}/v1/keys`, 'POST', { namespace: 'warm-up', name: 'warm-up' }, stack.token)) as { key: string };
    if (post) await warmIngest(flags.ingest === 'function-url' ? stack.ingestUrl : stack.api, { ...post, headers: { ...post.headers, authorization: `Bearer ${warmUp.key}` } }, WARM_UP_POSTS);
    for (let i = 0; i < WARM_UP_TICKS; i++) await tick(stack);
    measuring = true;
    const started = Date.now();
    console.error(`measuring ${MINUTES} minutes: ${NODES} agents posting through the ${flags.ingest}, a tick a minute for ${SERVICES} services`);
    for (let minute = 0; minute < MINUTES; minute++) {
      // Mid-minute, the ticks are ordinary; the last one closes the measurement.
      await wait(Math.max(0, started + (minute + 1) * 60_000 - Date.now()));
      await tick(stack);
    }
    measuring = false;

    const posts = tallies.post;
    const ticks = tallies.tick;
    const without = (all: Map<string, number>, part: Map<string, number>) => new Map([...all].map(([k, v]) => [k, v - (part.get(k) ?? 0)]).filter(([, v]) => (v as number) > 0) as Array<[string, number]>);
    const serviceRequests = without(ticks.requests, ticks.minutesRequests);
    const itemWrites = posts.requests.get('PutItem') ?? 1;
    const measured: Measured = {
      measuredAt: new Date().toISOString(),
      bench: { nodes: NODES, containersPerNode: CONTAINERS_PER_NODE, services: SERVICES, postIntervalSeconds: 60, sampleIntervalSeconds: 10, posts: posts.count, ticks: ticks.count },
      perPost: {
        requests: perEach(posts.requests, posts.count),
        readUnits: round(posts.readUnits / posts.count, 3),
        writeUnits: round(posts.writeUnits / posts.count, 3),
        cpuMs: round(posts.cpuMs / posts.count, 2),
        localWallMs: round(posts.ms / posts.count, 1),
        logBytes: Math.round(posts.logBytes / posts.count),
      },
      perTick: {
        perService: {
          requests: perEach(serviceRequests, ticks.count * SERVICES),
          readUnits: round((ticks.readUnits - ticks.minutesReadUnits) / (ticks.count * SERVICES), 3),
          writeUnits: round(ticks.writeUnits / (ticks.count * SERVICES), 3),
          cpuMs: round(ticks.cpuMs / (ticks.count * SERVICES), 2),
          localWallMs: round(ticks.ms / (ticks.count * SERVICES), 1),
          logBytes: Math.round(ticks.logBytes / (ticks.count * SERVICES)),
          metricLogBytes: Math.round(ticks.metricLogBytes / (ticks.count * SERVICES)),
        },
        perNode: { requests: perEach(ticks.minutesRequests, ticks.count * NODES), readUnits: round(ticks.minutesReadUnits / (ticks.count * NODES), 3) },
      },
      storedBytesPerNodeMinute: Math.round(posts.itemBytes / itemWrites),
      cloudWatchMetricsPerService: round(cloudWatchMetrics.size / SERVICES, 2),
    };
    const summary = {
      ...measured,
      dynamodbRequestsPerTick: round(sumOf(ticks.requests) / ticks.count, 1),
      dynamodbRequestsPerServicePerTick: round(sumOf(ticks.requests) / (ticks.count * SERVICES), 2),
      tickStatuses: Object.fromEntries(tickStatuses),
    };
    console.log(JSON.stringify(summary, null, 2));
    if (posts.count === 0 || ticks.count === 0) throw new Error('nothing was measured');
    if (cloudWatchMetrics.size === 0) throw new Error('the decisions published no CloudWatch metrics to count');
    if (!flags.dry) {
      writeFileSync(MEASURED_FILE, `${JSON.stringify(measured, null, 2)}\n`);
      console.error(`wrote ${MEASURED_FILE}`);
    }
  } finally {
    // Killed outright: on SIGTERM an agent would post once more, to a stack that is going away.
    for (const agent of agents) agent.kill('SIGKILL');
    gate?.close();
    if (stack?.child.pid && stack.child.exitCode === null) {
      const exited = new Promise((resolve) => stack?.child.once('exit', resolve));
      process.kill(-stack.child.pid, 'SIGINT');
      await exited;
    }
    await Promise.all(fleet.map((docker) => docker.close()));
    platform.close();
    proxy.close();
    await dynamodb.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
