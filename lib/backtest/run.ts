import { parseDuration } from '../duration';
import {
  decide,
  emptyHistory,
  loadKey,
  loadRulesWithPrediction,
  minuteLoads,
  observationsFromBuckets,
  recordDecision,
  recordScaling,
  ruleWindows,
  type DecisionInput,
  type PastLoads,
  type Policy,
} from '../policy';
import { cpuRatio, create, DEFAULT_STARTUP_DELAY_MS, desired, overloaded, ready, setDesired } from '../simulatedService';
import type { MetricBucket } from '../statistics';
import type { MinuteRow } from './series';
import { summarize, type BacktestSummary } from './summary';

/** One evaluation and one metric bucket a minute: the trace's resolution and Tide's default. */
const MINUTE_MS = 60_000;
/** Past loads are kept as long as the evaluator keeps its rollups: two weeks. */
const PAST_LOAD_MINUTES = 14 * 1440;

export interface BacktestOptions {
  policy: Policy;
  min: number;
  max: number;
  /** The requests a minute one replica serves at 100% CPU. */
  capacity: number;
  /** How long an added replica takes to serve; counted in whole minutes, rounded up. */
  startupDelayMs?: number;
  /** Replicas running, all ready, before the first minute; the first evaluation brings them within min/max. Default: min. */
  initialReplicas?: number;
}

export interface BacktestResult {
  summary: BacktestSummary;
  series: MinuteRow[];
}

/**
 * Replays a per-minute request trace through the real decision engine and the simulated service.
 *
 * At the start of each minute the engine decides, as the evaluator would, from the cpu_ratio
 * buckets of the minutes before (the minute just beginning has no samples yet), with the
 * history kept as the evaluator keeps it (lib/policy/history.ts). The decision is applied to the
 * simulated service: removals at once, additions ready after the start-up delay. The minute's
 * load then meets the replicas ready at its start, and its cpu_ratio becomes the next bucket.
 */
export function runBacktest(trace: readonly number[], options: BacktestOptions): BacktestResult {
  const { policy, min, max, capacity } = options;
  const startupDelayMs = options.startupDelayMs ?? DEFAULT_STARTUP_DELAY_MS;
  if (trace.length === 0) throw new RangeError('the trace has no minutes');

  // Buckets older than every window are dropped, as the evaluator reads only what its longest window needs.
  const keepMs = Math.max(MINUTE_MS, ...policy.rules.flatMap(ruleWindows).map(parseDuration));
  const buckets: MetricBucket[] = [];
  let oldest = 0;
  let history = emptyHistory();
  let service = create(options.initialReplicas ?? min, 0);
  const series: MinuteRow[] = [];
  const actions = { scaleOuts: 0, scaleIns: 0 };
  const past = pastLoadsInMemory(policy);

  trace.forEach((load, minute) => {
    const now = minute * MINUTE_MS;
    while ((buckets[oldest]?.start ?? now) < now - keepMs) oldest++;
    const from = desired(service);
    const input: DecisionInput = {
      policy,
      min,
      max,
      currentReplicas: from,
      observations: observationsFromBuckets(buckets.slice(oldest), now, MINUTE_MS),
      history,
      now,
    };
    const decision = decide(past ? { ...past.keep(input), pastLoads: past } : input);
    history = recordDecision(history, decision, MINUTE_MS);
    if (decision.replicas !== from) {
      service = setDesired(service, decision.replicas, now, startupDelayMs);
      history = recordScaling(history, { ts: now, from, to: decision.replicas });
      if (decision.replicas > from) actions.scaleOuts++;
      else actions.scaleIns++;
    }

    const readyReplicas = ready(service, now);
    const cpu = cpuRatio(service, load, now, capacity);
    // One sample per ready replica, and one from a service with none, as simulatedSamples reports them.
    const samples = Math.max(readyReplicas, 1);
    buckets.push({ metric: 'cpu_ratio', start: now, count: samples, sum: cpu * samples, min: cpu, max: cpu });
    series.push({
      minute,
      load,
      readyReplicas,
      desiredReplicas: desired(service),
      cpuRatio: cpu,
      overloaded: overloaded(service, load, now, capacity),
    });
  });

  return { summary: summarize(series, actions, capacity, startupDelayMs), series };
}


/**
 * The load of past minutes, as the evaluator's rollups keep it for load rules with a prediction:
 * at each evaluation the minute just past is kept (minuteLoads, from the same input decide gets),
 * for two weeks. Nothing when no rule predicts, so such a replay is as it always was.
 */
function pastLoadsInMemory(policy: Policy): (PastLoads & { keep(input: DecisionInput): DecisionInput }) | undefined {
  const rules = new Map(loadRulesWithPrediction(policy).map((rule) => [loadKey(rule), rule]));
  if (rules.size === 0) return undefined;
  // A ring of two weeks of minutes per key; NaN where no load was kept.
  const kept = new Map([...rules.keys()].map((key) => [key, new Float64Array(PAST_LOAD_MINUTES).fill(Number.NaN)]));
  let upTo = 0;
  return {
    at(key, minuteStart) {
      const minute = minuteStart / MINUTE_MS;
      if (!Number.isInteger(minute) || minute < 0 || minute >= upTo || minute < upTo - PAST_LOAD_MINUTES) return undefined;
      const load = kept.get(key)?.[minute % PAST_LOAD_MINUTES];
      return load === undefined || Number.isNaN(load) ? undefined : load;
    },
    keep(input) {
      for (const [key, rule] of rules) {
        const ring = kept.get(key) as Float64Array;
        for (const { minuteStart, load } of minuteLoads(rule, input, input.now - MINUTE_MS, input.now)) ring[(minuteStart / MINUTE_MS) % PAST_LOAD_MINUTES] = load;
      }
      upTo = input.now / MINUTE_MS;
      return input;
    },
  };
}
