/**
 * `npm run bench:evaluator`: one evaluator worker's throughput against an
 * in-memory DynamoDB Local on 127.0.0.1, and the DynamoDB requests it makes
 * per service per tick. Services sit behind Tide's `http` target, answered by
 * a platform stand-in on 127.0.0.1, each with two rules over two metrics and
 * ten minutes of aggregates from three nodes.
 *
 * Flags: --services 300 --ticks 3
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices, type EvaluationResult } from '../../lib/evaluator/evaluate';
import { recordSamples } from '../../lib/ingest/record';
import type { StoredService } from '../../lib/store/services';
import { ensureTable, startDynamoDbLocal } from '../local/dynamodb';

const { values: flags } = parseArgs({ options: { services: { type: 'string', default: '300' }, ticks: { type: 'string', default: '3' } } });
const SERVICES = Number(flags.services);
const TICKS = Number(flags.ticks);
if (!Number.isInteger(SERVICES) || SERVICES < 1 || !Number.isInteger(TICKS) || TICKS < 1) {
  console.error('--services and --ticks must be positive integers');
  process.exit(2);
}

/** The scheduled evaluator's Lambda timeout (serverless.yml): the deadline each tick's evaluations get. */
const EVALUATOR_TIMEOUT_MS = 75_000;

async function startPlatform(): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"replicas": 4}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/scale`, close: () => server.close() };
}

async function main(): Promise<void> {
  const dynamodb = await startDynamoDbLocal();
  const platform = await startPlatform();
  try {
    const tableName = 'tide-bench-evaluator';
    await ensureTable(dynamodb.endpoint, tableName);
    const app = createTide({ ...loadConfig(), tableName, endpoints: { dynamodb: dynamodb.endpoint } });
    const now = app.now();
    const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(4, '0')}`);
    for (const service of names) {
      const svc = {
        namespace: 'bench', service, mode: 'auto', min: 1, max: 50, evaluationInterval: '1m',
        target: { provider: 'http', url: platform.url, timeout: '5s' },
        policy: {
          rules: [
            { type: 'target', metric: 'cpu_ratio', statistic: 'mean', target: 60, tolerance: 0.1, window: '1m' },
            { type: 'threshold', metric: 'rps', statistic: 'mean', scaleOutAbove: 500, outDuration: '10m', increaseBy: 1, inDuration: '10m', decreaseBy: 1 },
          ],
          cooldown: { scaleOut: '0s', scaleIn: '0s' },
          stabilization: { scaleOut: '0s', scaleIn: '5m' },
          limits: { scaleOut: [], scaleIn: [], selectPolicy: { scaleOut: 'max', scaleIn: 'max' } },
        },
      } as unknown as StoredService;
      await app.services.put(svc, now);
      // Load that keeps the replicas where they are: the common tick, with no scaling.
      for (const node of ['node-a', 'node-b', 'node-c']) {
        const samples = Array.from({ length: 10 }, (_, minute) => ({ ts: now - minute * 60_000 - 5_000, service, container: `${node}-c`, cpu_ratio: 60, custom: { rps: 100 } }));
        await recordSamples(app, { namespace: 'bench', node, samples });
      }
    }

    const requests = new Map<string, number>();
    app.db.middlewareStack.add(
      (next, context) => async (args) => {
        const kind = (context.commandName ?? 'unknown').replace(/Command$/, '');
        requests.set(kind, (requests.get(kind) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'benchRequestCount' },
    );

    await evaluateServices(app, { owner: 'warm-up', namespace: 'bench', deadline: app.now() + EVALUATOR_TIMEOUT_MS });
    requests.clear();
    const rates: number[] = [];
    let results: EvaluationResult[] = [];
    for (let tick = 0; tick < TICKS; tick++) {
      const started = performance.now();
      results = await evaluateServices(app, { owner: `tick-${tick}`, namespace: 'bench', deadline: app.now() + EVALUATOR_TIMEOUT_MS });
      rates.push(SERVICES / ((performance.now() - started) / 1000));
    }
    const perService = Object.fromEntries([...requests].sort().map(([kind, n]) => [kind, n / (SERVICES * TICKS)]));
    const statuses = results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
    const summary = {
      services: SERVICES,
      ticks: TICKS,
      writeShards: app.config.writeShards,
      servicesPerSecondPerWorker: Math.round(rates.reduce((a, b) => a + b, 0) / rates.length),
      dynamodbRequestsPerServicePerTick: perService,
      dynamodbRequestsPerServicePerTickTotal: [...requests.values()].reduce((a, b) => a + b, 0) / (SERVICES * TICKS),
      lastTickStatuses: statuses,
    };
    console.log(JSON.stringify(summary, null, 2));
    // Every service's load sits at its target: anything but "unchanged" means the bench measured something else.
    if (Object.keys(statuses).some((status) => status !== 'unchanged')) {
      console.error('bench: expected every evaluation to be "unchanged"');
      process.exitCode = 1;
    }
  } finally {
    platform.close();
    await dynamodb.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
