import { HISTORY_ENTRIES, HISTORY_MS } from './defaults';

// A service's recent past, as the policy reads it: the evaluator keeps it in the service's state,
// the backtest in memory, and both update it with these functions, so a replay keeps exactly what
// a live service keeps. Times are epoch milliseconds.

/** A past decision's proposal, before stabilization, for the stabilization windows of later decisions. */
export interface Recommendation {
  ts: number;
  replicas: number;
  /** No rule had data: counted for a missingMetrics fallback. */
  metricsMissing?: true;
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
 */
export function recordDecision(history: History, decision: { ts: number; proposed: number; metricsMissing?: true }): History {
  const recommendation: Recommendation = { ts: decision.ts, replicas: decision.proposed, ...(decision.metricsMissing ? { metricsMissing: true } : {}) };
  const recommendations = keepRecent([...history.recommendations, recommendation], decision.ts);
  return { recommendations, scalings: history.scalings };
}

/** The history after a scaling the platform applied, whatever asked for it: rate limits and cooldowns count it. */
export function recordScaling(history: History, scaling: ScalingRecord): History {
  return { recommendations: history.recommendations, scalings: keepRecent([...history.scalings, scaling], scaling.ts) };
}

/** The entries within what a service keeps: the last HISTORY_MS, at most HISTORY_ENTRIES. */
function keepRecent<T extends { ts: number }>(entries: readonly T[], now: number): T[] {
  return entries.filter((e) => e.ts > now - HISTORY_MS).slice(-HISTORY_ENTRIES);
}
