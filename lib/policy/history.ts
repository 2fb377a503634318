import { HISTORY_ENTRIES, HISTORY_MS } from './defaults';

// A service's recent past, as the policy reads it: the evaluator keeps it in the service's state,
// the backtest in memory, and both update it with these functions, so a replay keeps exactly what
// a live service keeps. Times are epoch milliseconds.
//
// Equal recommendations in a row are kept as one run: an entry that says "this was recommended
// at every evaluation from `ts`, one every `every` ms, until the next entry (or now)". So an
// evaluation that recommends what the one before did changes nothing, and the evaluator writes
// nothing for it. Read through `runsOf`, a run gives the same windows and counts as one entry per
// evaluation would when evaluations come on time. An entry without `every` (as a shadow keeps
// them, and as states written before runs were) is one evaluation.

/** A past decision's proposal, before stabilization, for the stabilization windows of later decisions. */
export interface Recommendation {
  /** When it was first recommended. */
  ts: number;
  replicas: number;
  /** No rule had data: counted for a missingMetrics fallback. */
  metricsMissing?: true;
  /** How often it was recommended again until the next entry: the interval between evaluations (ms). */
  every?: number;
}

/** A scaling that was applied to the service (any trigger), for rate limits, cooldowns and the readiness delay. */
export interface ScalingRecord {
  ts: number;
  from: number;
  to: number;
}

/** What stabilization, rate limits, cooldowns and the readiness delay look back over, oldest first. */
export interface History {
  recommendations: Recommendation[];
  scalings: ScalingRecord[];
}

/** A service that was never evaluated nor scaled. */
export function emptyHistory(): History {
  return { recommendations: [], scalings: [] };
}

/**
 * The history after a decision: its proposal joins the recommendations unstabilized, as HPA keeps
 * it, whether or not the decision was applied (a dry run or a failed platform call still recommended).
 * With `every` (the interval to the next evaluation), a proposal equal to the latest run's, with or
 * without data alike, continues that run: the same history is returned, unchanged.
 */
export function recordDecision(history: History, decision: { ts: number; proposed: number; metricsMissing?: true }, every?: number): History {
  const latest = history.recommendations.at(-1);
  const missing = decision.metricsMissing === true;
  if (every !== undefined && latest?.every === every && latest.replicas === decision.proposed && (latest.metricsMissing === true) === missing && latest.ts <= decision.ts) {
    return history;
  }
  const recommendation: Recommendation = {
    ts: decision.ts,
    replicas: decision.proposed,
    ...(missing ? { metricsMissing: true } : {}),
    ...(every === undefined ? {} : { every }),
  };
  const recommendations = [...history.recommendations, recommendation];
  const runs = runsOf(recommendations, decision.ts);
  const kept = recommendations.filter((_, i) => (runs[i] as Run).last > decision.ts - HISTORY_MS).slice(-HISTORY_ENTRIES);
  return { recommendations: kept, scalings: history.scalings };
}

/** The history after a scaling the platform applied, whatever asked for it: rate limits and cooldowns count it. */
export function recordScaling(history: History, scaling: ScalingRecord): History {
  const scalings = [...history.scalings, scaling].filter((e) => e.ts > scaling.ts - HISTORY_MS).slice(-HISTORY_ENTRIES);
  return { recommendations: history.recommendations, scalings };
}

/** A run of equal recommendations as the policy reads it. */
export interface Run {
  replicas: number;
  metricsMissing: boolean;
  /** Its first evaluation. */
  first: number;
  /** Its last evaluation before the next run (or before now). */
  last: number;
  /** How many evaluations it stands for. */
  evaluations: number;
}

/**
 * The recommendations as runs, oldest first, one for each entry. A run's evaluations came every
 * `every` from its start until the next entry's (or `now`, for the latest): rounded to whole
 * intervals, since evaluations land a few milliseconds early or late.
 */
export function runsOf(recommendations: readonly Recommendation[], now: number): Run[] {
  return recommendations.map((r, i) => {
    const until = recommendations[i + 1]?.ts ?? now;
    const evaluations = r.every === undefined ? 1 : Math.max(1, Math.round((until - r.ts) / r.every));
    return { replicas: r.replicas, metricsMissing: r.metricsMissing === true, first: r.ts, last: r.ts + (evaluations - 1) * (r.every ?? 0), evaluations };
  });
}
