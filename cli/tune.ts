/**
 * `tide tune SERVICE --since 7d`: `npm run backtest -- --tune` on a service's own history. The
 * trace is the service's cpu_ratio load in each minute (mean × ready replicas, in percent of one
 * replica's CPU, so a replica serves 100 of it), from GET /v1/services/{service}/load.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parsePolicyFile, type BacktestPolicy } from '../lib/backtest/policyFile';
import { tunePolicy, tunePolicyInParallel } from '../lib/backtest/tune';
import { startReplayThreads } from '../lib/backtest/tuneWorker';
import { formatDuration, parseDuration } from '../lib/duration';
import { ValidationError } from '../lib/errors';
import { DEFAULT_POLICY_BOUNDS, policySchemaWithin } from '../lib/policy';
import { UsageError, type CommandContext } from './commands';

/** cpu_ratio load is in percent of one replica's CPU: a replica at 100% carries 100. */
const CAPACITY = 100;
/** HPA-style target tracking at 60% CPU, examples/policy.json's rule: what the tuned policy must beat. */
const BASELINE_RULES = [{ type: 'target', metric: 'cpu_ratio', target: 60 }];

export interface TuneOptions {
  since: string;
  startupDelay: string;
  baseline?: string;
  out?: string;
}

/** A contiguous per-minute trace from the minutes that have a load; a minute without one carries the one before. */
export function traceOf(minutes: ReadonlyArray<{ ts: string; load: number }>): number[] {
  const first = minutes[0];
  if (first === undefined) return [];
  const start = Date.parse(first.ts);
  const trace: number[] = [];
  for (const { ts, load } of minutes) {
    const index = (Date.parse(ts) - start) / 60_000;
    while (trace.length < index) trace.push(trace.at(-1) ?? load);
    trace[index] = load;
  }
  return trace;
}

export async function tune(ctx: CommandContext, service: string | undefined, options: TuneOptions): Promise<void> {
  if (!service) throw new UsageError('missing SERVICE');
  let startupDelayMs: number;
  try {
    startupDelayMs = parseDuration(options.startupDelay);
  } catch (error) {
    throw new UsageError(`--startup-delay ${(error as Error).message}`);
  }
  const baselineFile = options.baseline === undefined ? undefined : readBaseline(options.baseline);
  const q = `?namespace=${encodeURIComponent(ctx.namespace)}`;
  const path = `/v1/services/${encodeURIComponent(service)}`;
  const svc = (await ctx.api.request('GET', `${path}${q}`)) as { min: number; max: number };
  const load = (await ctx.api.request('GET', `${path}/load${q}&since=${encodeURIComponent(options.since)}`)) as { since: string; minutes: Array<{ ts: string; load: number }> };
  const trace = traceOf(load.minutes);
  if (trace.length < 2) {
    throw new Error(`${service} has ${trace.length} minute${trace.length === 1 ? '' : 's'} of cpu_ratio load since ${load.since}: tuning needs two, so that each half has one`);
  }
  const bounds = DEFAULT_POLICY_BOUNDS;
  const baseline: BacktestPolicy = baselineFile ?? { min: svc.min, max: svc.max, policy: policySchemaWithin(bounds).parse({ rules: BASELINE_RULES }) };
  const search = { baseline, capacity: CAPACITY, startupDelayMs, bounds };
  // One replay thread a core where they can load (run from the sources), as npm run backtest tunes.
  const threads = startReplayThreads(trace, CAPACITY, startupDelayMs);
  const tuned = threads === undefined ? tunePolicy(trace, search) : await tunePolicyInParallel(trace, search, threads.replay).finally(() => threads.close());
  if (options.out !== undefined) {
    try {
      writeFileSync(options.out, `${JSON.stringify(tuned.policy, null, 2)}\n`);
    } catch (error) {
      throw new UsageError(`--out ${options.out}: cannot write: ${(error as Error).message}`);
    }
  }
  ctx.out(JSON.stringify({ service, from: load.minutes[0]?.ts, minutes: trace.length, capacity: CAPACITY, startupDelay: formatDuration(startupDelayMs), ...tuned }, null, 2));
}

function readBaseline(file: string): BacktestPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--baseline ${file}: cannot read: ${(error as Error).message}`);
  }
  try {
    return parsePolicyFile(text);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const problems = (error.details ?? []).map((p) => `\n  ${p.path === '' ? '(file)' : p.path}: ${p.message}`).join('');
    throw new UsageError(`--baseline ${file}: ${error.message}${problems}`);
  }
}
