/**
 * `npm run bench:evaluator`: one evaluator worker's throughput against an
 * in-memory DynamoDB Local on 127.0.0.1, and the DynamoDB requests it makes
 * per service per tick. Services sit behind Tide's `http` target, answered by
 * a platform stand-in on 127.0.0.1, each with two rules over two metrics; three
 * nodes post every service's minute as the agent does (one item per node and
 * minute). The clock is Tide's injected clock, moved a minute per tick.
 *
 * Ticks, each counted apart: unchanged ones (the load sits at the target), the
 * first tick of an hour (rollups), one where every service scales, and
 * unchanged ones with a shadow policy on every service.
 *
 * Flags: --services 300 --ticks 3
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices, type EvaluationResult } from '../../lib/evaluator/evaluate';
import type { StoredService } from '../../lib/store/services';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';
import { benchFlags } from './flags';

const { services: SERVICES, ticks: TICKS } = benchFlags({ services: 300, ticks: 3 });

/** The scheduled evaluator's Lambda timeout (serverless.yml): the deadline each tick's evaluations get. */
const EVALUATOR_TIMEOUT_MS = 75_000;
const MINUTE = 60_000;
const NODES = ['node-a', 'node-b', 'node-c'];
/** The replicas the platform stand-in answers: the load below keeps them there. */
const REPLICAS = 4;

async function startPlatform(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"replicas": ${REPLICAS}}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/scale`, close: () => server.close() };
}

const RULES = [
  { type: 'target', metric: 'cpu_ratio', statistic: 'mean', target: 60, tolerance: 0.1, window: '1m' },
  { type: 'threshold', metric: 'rps', statistic: 'mean', scaleOutAbove: 500, outDuration: '10m', increaseBy: 1, inDuration: '10m', decreaseBy: 1 },
];

function serviceDocument(service: string, url: string, shadow: boolean): StoredService {
  const policy = {
    rules: RULES,
    cooldown: { scaleOut: '0s', scaleIn: '0s' },
    stabilization: { scaleOut: '0s', scaleIn: '5m' },
    limits: { scaleOut: [], scaleIn: [], selectPolicy: { scaleOut: 'max', scaleIn: 'max' } },
  };
  return {
    namespace: 'bench', service, mode: 'auto', min: 1, max: 50, evaluationInterval: '1m',
    target: { provider: 'http', url, timeout: '5s' },
    policy,
    ...(shadow ? { shadows: { lower: { ...policy, rules: [{ ...RULES[0], target: 50 }] } } } : {}),
  } as unknown as StoredService;
}

async function main(): Promise<void> {
  const dynamodb = await startDynamoDbLocal();
  const platform = await startPlatform();
  try {
    const tableName = 'tide-bench-evaluator';
    await ensureTable(dynamodb.endpoint, tableName);
    // Ten minutes before an hour, 5 s into the minute, so that the hour's first tick comes after the unchanged ones.
    const hour = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    const clock = { at: hour - 10 * MINUTE + 5_000 };
    // The platform stand-in is on loopback, which targets reach only on the local stack.
    const app = createTide({ ...loadConfig(), localStack: true, tableName, endpoints: { dynamodb: dynamodb.endpoint } }, () => clock.at);
    const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
    for (const service of names) await app.services.put(serviceDocument(service, platform.url, false), clock.at);

    /** Each node's minute starting at `start`, as the agent posts it: every service's two metrics from its containers. */
    const post = async (start: number, cpu: number) => {
      const metric = (value: number) => ({ count: 6, sum: 6 * value, min: value, max: value });
      const services = new Map(names.map((service) => [service, { containers: 1, metrics: new Map([['cpu_ratio', metric(cpu)], ['rps', metric(100)]]) }]));
      for (const node of NODES) await app.minutes.writeNodeMinute('bench', node, { start, seq: 1, services }, Math.floor(start / 1000) + 86_400);
    };
    const minuteOf = (time: number) => Math.floor(time / MINUTE) * MINUTE;
    // Ten minutes of load at the target: the common tick, with no scaling.
    for (let m = 10; m >= 1; m--) await post(minuteOf(clock.at) - m * MINUTE, 60);

    /** The evaluator's requests by kind, counted while a tick runs (not the nodes' posts). */
    const requests = new Map<string, number>();
    let counting = false;
    app.db.middlewareStack.add(
      (next, context) => async (args) => {
        const kind = (context.commandName ?? 'unknown').replace(/Command$/, '');
        if (counting) requests.set(kind, (requests.get(kind) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestCount' },
    );

    /** `ticks` ticks a minute apart, each after the minute before was posted at `cpu`: requests per service per tick, and services per second. */
    const run = async (ticks: number, cpu: number) => {
      requests.clear();
      const rates: number[] = [];
      let results: EvaluationResult[] = [];
      for (let tick = 0; tick < ticks; tick++) {
        await post(minuteOf(clock.at), cpu);
        clock.at += MINUTE;
        const started = performance.now();
        counting = true;
        results = await evaluateServices(app, { owner: `tick-${clock.at}`, namespace: 'bench', deadline: clock.at + EVALUATOR_TIMEOUT_MS });
        counting = false;
        rates.push(SERVICES / ((performance.now() - started) / 1000));
      }
      const total = [...requests.values()].reduce((a, b) => a + b, 0) / (SERVICES * ticks);
      return {
        perService: Object.fromEntries([...requests].sort().map(([kind, n]) => [kind, round(n / (SERVICES * ticks))])),
        total: round(total),
        statuses: results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {}),
        servicesPerSecond: Math.round(rates.reduce((a, b) => a + b, 0) / rates.length),
      };
    };

    // A cold container's first tick reads every window whole, and records each service's first decision.
    const cold = await run(1, 60);
    const unchanged = await run(TICKS, 60);
    clock.at = hour + 5_000 - MINUTE;
    const firstOfHour = await run(1, 60);
    const scaling = await run(1, 95);
    for (const service of names) await app.services.put(serviceDocument(service, platform.url, true), clock.at);
    await run(1, 60);
    const shadowed = await run(TICKS, 60);

    const summary = {
      services: SERVICES,
      ticks: TICKS,
      serviceShards: app.config.serviceShards,
      servicesPerSecondPerWorker: unchanged.servicesPerSecond,
      dynamodbRequestsPerServicePerTick: unchanged.perService,
      dynamodbRequestsPerServicePerTickTotal: unchanged.total,
      firstTickOfAColdContainer: { perService: cold.perService, total: cold.total },
      firstTickOfAnHour: { perService: firstOfHour.perService, total: firstOfHour.total },
      tickWhereEveryServiceScales: { perService: scaling.perService, total: scaling.total, statuses: scaling.statuses },
      withAShadowEach: { perService: shadowed.perService, total: shadowed.total },
      lastTickStatuses: unchanged.statuses,
    };
    console.log(JSON.stringify(summary, null, 2));
    // Every service's load sits at its target: anything but "unchanged" means the bench measured something else.
    if (Object.keys(unchanged.statuses).some((status) => status !== 'unchanged') || scaling.statuses.applied !== SERVICES) {
      console.error('bench: expected every unchanged tick to be "unchanged", and every service to scale at the busy tick');
      process.exitCode = 1;
    }
  } finally {
    platform.close();
    await dynamodb.stop();
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
