/**
 * Lambda on this machine: each function bundled as `osls package` bundles it
 * (serverless.yml's `custom.esbuild`), run in worker threads that each see
 * only their function's environment, one invocation at a time per worker as
 * in a Lambda execution environment, and stopped at the function's timeout.
 * Also serves the Lambda Invoke API (for the evaluator's fan-out) and fires
 * `schedule` events.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { listenOnFirstFree, type Invoke } from './httpApi';
import type { LocalConfig, LocalFunction } from './serverlessConfig';

export class FunctionError extends Error {
  override readonly name = 'FunctionError';
}

/** The esbuild options of `custom.esbuild` that esbuild itself understands (the rest are the plugin's), and its plugins file loaded as the plugin loads it. */
function esbuildOptions(root: string, custom: Record<string, unknown>): BuildOptions {
  const known = ['bundle', 'minify', 'sourcemap', 'target', 'platform', 'format', 'external', 'keepNames', 'mainFields', 'define', 'loader', 'banner', 'footer'];
  const options = Object.fromEntries(Object.entries(custom).filter(([key]) => known.includes(key))) as BuildOptions;
  const extension = typeof custom.outputFileExtension === 'string' ? custom.outputFileExtension : '.js';
  const plugins = typeof custom.plugins === 'string' ? (createRequire(join(root, 'package.json'))(join(root, custom.plugins)) as Plugin[]) : [];
  return { ...options, outExtension: { '.js': extension }, plugins };
}

/** Bundles every function into `outdir`, in one build (quicker than `osls package`'s one build per function); returns each function's bundle path. */
export async function bundleFunctions(root: string, config: LocalConfig, outdir: string): Promise<Map<string, string>> {
  const options = esbuildOptions(root, config.esbuild);
  const entryPoints = Object.fromEntries(config.functions.map((fn) => [fn.name, join(root, fn.source)]));
  await build({ ...options, entryPoints, outdir, absWorkingDir: root, logLevel: 'error' });
  const extension = options.outExtension?.['.js'] ?? '.js';
  return new Map(config.functions.map((fn) => [fn.name, join(outdir, `${fn.name}${extension}`)]));
}

// Runs inside each worker: loads the bundle once (the cold start), then handles one invocation per message.
// The result crosses as JSON, as Lambda serializes it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
if (String(process.env.NODE_OPTIONS || '').includes('--enable-source-maps')) process.setSourceMapsEnabled(true);
const handler = require(workerData.bundle)[workerData.exportName];
parentPort.on('message', async ({ event, context }) => {
  const ctx = { ...context, callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => context.deadline - Date.now() };
  try {
    const result = await handler(event, ctx);
    parentPort.postMessage({ ok: true, result: result === undefined ? undefined : JSON.stringify(result) });
  } catch (error) {
    console.error(error);
    parentPort.postMessage({ ok: false, errorType: (error && error.name) || 'Error', errorMessage: (error && error.message) || String(error) });
  }
});`;

interface Reply {
  ok: boolean;
  result?: string;
  errorType?: string;
  errorMessage?: string;
}

export interface LocalLambda {
  /** Invokes and waits for the result (RequestResponse). */
  invoke(functionName: string, event: unknown): Promise<unknown>;
  /** Starts every function once so the first request finds a warm one. */
  warm(): Promise<void>;
  stop(): Promise<void>;
}

/** A pool of execution environments per function; `environment(fn)` is what `process.env` holds inside. */
export function startLambda(functions: readonly LocalFunction[], bundles: Map<string, string>, environment: (fn: LocalFunction) => Record<string, string>): LocalLambda {
  const idle = new Map<string, Worker[]>(functions.map((fn) => [fn.name, []]));
  const busy = new Set<Worker>();
  const byName = new Map(functions.map((fn) => [fn.name, fn]));

  const spawn = (fn: LocalFunction) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      env: environment(fn),
      workerData: { bundle: bundles.get(fn.name), exportName: fn.exportName },
    });
    // An environment that dies is never handed out again; its invocation, if any, fails on its own listener.
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      const pool = idle.get(fn.name) ?? [];
      if (pool.includes(worker)) pool.splice(pool.indexOf(worker), 1);
    });
    return worker;
  };

  const run = (fn: LocalFunction, worker: Worker, event: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const requestId = randomUUID();
      const deadline = Date.now() + fn.timeoutSeconds * 1000;
      const timer = setTimeout(() => {
        // Lambda discards an environment whose invocation timed out.
        busy.delete(worker);
        void worker.terminate();
        reject(new FunctionError(`${fn.name}: task timed out after ${fn.timeoutSeconds} seconds`));
      }, fn.timeoutSeconds * 1000);
      const settle = (reply: Reply) => {
        clearTimeout(timer);
        worker.off('error', crashed);
        busy.delete(worker);
        idle.get(fn.name)?.push(worker);
        if (reply.ok) resolve(reply.result === undefined ? undefined : JSON.parse(reply.result));
        else reject(new FunctionError(`${fn.name}: ${reply.errorType}: ${reply.errorMessage}`));
      };
      const crashed = (error: Error) => {
        clearTimeout(timer);
        busy.delete(worker);
        reject(new FunctionError(`${fn.name}: the runtime exited: ${error.message}`));
      };
      worker.once('message', settle);
      worker.once('error', crashed);
      worker.postMessage({
        event,
        context: { functionName: fn.deployedName, functionVersion: '$LATEST', memoryLimitInMB: String(fn.memoryMb), awsRequestId: requestId, deadline },
      });
    });

  return {
    async invoke(functionName, event) {
      const fn = byName.get(functionName);
      if (!fn) throw new FunctionError(`no function ${functionName}`);
      const worker = idle.get(fn.name)?.pop() ?? spawn(fn);
      busy.add(worker);
      return run(fn, worker, event);
    },
    async warm() {
      await Promise.all(
        functions.map(async (fn) => {
          const worker = spawn(fn);
          await new Promise<void>((resolve, reject) => {
            worker.once('online', () => resolve());
            worker.once('error', reject);
          });
          idle.get(fn.name)?.push(worker);
        }),
      );
    },
    async stop() {
      const all = [...busy, ...[...idle.values()].flat()];
      await Promise.all(all.map((worker) => worker.terminate()));
    },
  };
}

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`),
 * enough for the SDK's InvokeCommand: `Event` answers 202 at once,
 * `RequestResponse` answers the result, a function error as Lambda reports it.
 */
export async function startInvokeApi(invoke: Invoke, functions: readonly LocalFunction[], onError: (name: string, error: unknown) => void): Promise<{ url: string; close(): Promise<void> }> {
  const byDeployedName = new Map(functions.flatMap((fn) => [[fn.deployedName, fn.name], [fn.name, fn.name]]));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      // A name, or an ARN (`…:function:NAME[:qualifier]`).
      const requested = decodeURIComponent(match?.[1] ?? '');
      const name = byDeployedName.get((requested.split(':function:').pop() ?? '').split(':')[0] ?? '');
      if (req.method !== 'POST' || !name) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' }).end(JSON.stringify({ Type: 'User', Message: `Function not found: ${requested}` }));
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const event: unknown = raw ? JSON.parse(raw) : {};
      const invocation = invoke(name, event);
      if (req.headers['x-amz-invocation-type'] === 'Event') {
        invocation.catch((error: unknown) => onError(name, error));
        res.writeHead(202).end();
        return;
      }
      invocation.then(
        (result) => res.writeHead(200, { 'content-type': 'application/json' }).end(result === undefined ? 'null' : JSON.stringify(result)),
        (error: unknown) => {
          onError(name, error);
          res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' }).end(JSON.stringify({ errorType: 'Error', errorMessage: (error as Error).message }));
        },
      );
    });
  });
  const port = await listenOnFirstFree(server, [0]);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** EventBridge's scheduled event, as a `schedule` rule delivers it. */
export function scheduledEvent(config: LocalConfig, fn: LocalFunction, at: Date): unknown {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    region: config.region,
    resources: [`arn:aws:events:${config.region}:000000000000:rule/${fn.deployedName}-schedule`],
    detail: {},
  };
}

/** Fires each enabled schedule at every multiple of its rate on the clock (each minute at :00 for rate(1 minute)). */
export function startSchedules(config: LocalConfig, lambda: LocalLambda, onError: (name: string, error: unknown) => void): () => void {
  const timers = new Set<NodeJS.Timeout>();
  for (const fn of config.functions) {
    for (const schedule of fn.schedules.filter((s) => s.enabled)) {
      const next = () => {
        const wait = schedule.everyMs - (Date.now() % schedule.everyMs);
        const timer = setTimeout(() => {
          timers.delete(timer);
          lambda.invoke(fn.name, scheduledEvent(config, fn, new Date())).catch((error: unknown) => onError(fn.name, error));
          next();
        }, wait);
        timers.add(timer);
      };
      next();
    }
  }
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}
