import type { Tide } from '../app';
import { parseDuration } from '../duration';
import { evaluateServices, type EvaluationResult } from './evaluate';

/** The payload the scheduled invocation sends each worker it fans out to. */
export interface WorkerPayload {
  shard: { index: number; count: number };
}

/** A worker's shard, from its payload; undefined for the scheduled event (or anything else). Checked by hand: zod is not loaded for it. */
export function workerShard(event: unknown): WorkerPayload['shard'] | undefined {
  const shard = typeof event === 'object' && event !== null ? (event as { shard?: unknown }).shard : undefined;
  if (typeof shard !== 'object' || shard === null) return undefined;
  const { index, count } = shard as { index?: unknown; count?: unknown };
  return Number.isInteger(index) && Number.isInteger(count) && (index as number) >= 0 && (count as number) >= 1 ? { index: index as number, count: count as number } : undefined;
}

export interface EvaluatorDeps {
  /** Starts a worker invocation without waiting for it (Lambda `Event` invocation). */
  invokeWorker(payload: WorkerPayload): Promise<void>;
  /** Waits until an epoch-ms moment; injected so tests need not wait. */
  sleepUntil(epochMs: number): Promise<void>;
}

/** This invocation: its lease owner id, and when Lambda stops it (its timeout, on Tide's clock). */
export interface Invocation {
  owner: string;
  deadline: number;
}

export interface InvocationSummary {
  /** Workers fanned out to; 0 when this invocation evaluated the services itself. */
  workers: number;
  results: EvaluationResult[];
}

/**
 * One evaluator invocation. The scheduled one (once a minute) evaluates every
 * service itself, or, past `servicesPerWorker`, splits them into shards and
 * starts one worker per shard. Either way the minute is walked tick by tick,
 * so a service with `evaluationInterval: "15s"` is evaluated four times.
 * Each tick starts on time, even while a slow service of an earlier tick is
 * still waiting on its platform: that service has its own deadline
 * (evaluateServices) and holds up no other.
 */
export async function runEvaluator(app: Tide, event: unknown, deps: EvaluatorDeps, invocation: Invocation): Promise<InvocationSummary> {
  const started = app.now();
  const shard = workerShard(event);
  const listed = await app.services.list();
  const services = listed.filter((s) => s.mode !== 'manual');
  if (shard === undefined && services.length > app.config.servicesPerWorker) {
    // A whole number of workers per storage shard when there are fewer shards than workers, so none is idle.
    const needed = Math.ceil(services.length / app.config.servicesPerWorker);
    const shards = app.minutes.serviceShards;
    const count = needed <= shards ? needed : Math.ceil(needed / shards) * shards;
    await Promise.all(Array.from({ length: count }, (_, index) => deps.invokeWorker({ shard: { index, count } })));
    return { workers: count, results: [] };
  }
  const ticks: Array<Promise<EvaluationResult[]>> = [];
  for (const offset of tickOffsets(services.map((s) => parseDuration(s.evaluationInterval)))) {
    await deps.sleepUntil(started + offset);
    // The first tick evaluates the services as just listed; each later one lists them again, for edits since.
    const tick = evaluateServices(app, { ...invocation, offsetMs: offset, ...(shard ? { shard } : {}), ...(offset === 0 ? { listed } : {}) });
    // Awaited below, once every tick has started; handled now, so a failed tick is no unhandled rejection meanwhile.
    tick.catch(() => undefined);
    ticks.push(tick);
  }
  return { workers: 0, results: (await Promise.all(ticks)).flat() };
}

/** The moments within a minute at which some service is due: multiples of each interval. */
export function tickOffsets(intervalsMs: readonly number[]): number[] {
  const offsets = new Set<number>([0]);
  for (const interval of intervalsMs) for (let t = interval; t < 60_000; t += interval) offsets.add(t);
  return [...offsets].sort((a, b) => a - b);
}
