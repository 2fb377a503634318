import type { LoadRule } from './schema';

// A service's load in minutes past the metric buckets' retention (24 h by default), as the
// prediction reads it: the evaluator keeps it as hourly rollups in the store, the backtest
// keeps it in memory from the trace it replays. Times are epoch milliseconds.

/** Which load a past minute holds: a load rule's metric and statistic, times the ready replicas with perReplica. */
export function loadKey(rule: Pick<LoadRule, 'metric' | 'statistic' | 'perReplica'>): string {
  return `${rule.metric}.${rule.statistic}${rule.perReplica ? '*replicas' : ''}`;
}

/** Past minutes of load, by load key. */
export interface PastLoads {
  /** The load of `key` in the minute that starts at `minuteStart` (a multiple of 60,000); undefined when none was kept. */
  at(key: string, minuteStart: number): number | undefined;
}
