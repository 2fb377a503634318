import { parseDuration } from '../duration';
import type { History } from './history';
import { bucketLoads } from './readiness';
import type { LoadRule, Policy } from './schema';
import type { DecisionInput, PastLoads } from './types';

// A service's load in minutes past the metric buckets' retention (24 h by default), as the
// prediction reads it: the evaluator keeps it as hourly rollups in the store, the backtest
// keeps it in memory from the trace it replays. Times are epoch milliseconds.

/** Which load a past minute holds: a load rule's metric and statistic, times the ready replicas with perReplica. */
export function loadKey(rule: Pick<LoadRule, 'metric' | 'statistic' | 'perReplica'>): string {
  return `${rule.metric}.${rule.statistic}${rule.perReplica ? '*replicas' : ''}`;
}

/** One minute's load: what the evaluator's rollups and the backtest keep under a load key. */
export interface MinuteLoad {
  minuteStart: number;
  load: number;
}

/** The load rules whose prediction reads past loads: the keys a service's rollups must keep. */
export function loadRulesWithPrediction(policy: Pick<Policy, 'rules'>): LoadRule[] {
  return policy.rules.flatMap((rule) => (rule.type === 'load' && rule.prediction ? [rule] : []));
}

/** What minuteLoads reads: a decision's input, or as much of it as a service's stored state gives. */
export interface MinuteLoadsInput extends Pick<DecisionInput, 'currentReplicas' | 'observations' | 'now'> {
  policy: Pick<Policy, 'readinessDelay'>;
  history: Pick<History, 'scalings'>;
}

/**
 * The load of `rule` in each minute bucket that starts in [from, to) and holds samples, computed
 * as the rule computes it (its statistic, times the replicas ready in that minute with
 * perReplica), from the same input decide() gets. The ready replicas are rebuilt from the scaling
 * history, which reaches back an hour: keep a minute within the hour after it ends (the evaluator
 * rolls up each hour at the first tick of the next, the backtest keeps the minute just past at
 * each evaluation).
 */
export function minuteLoads(rule: LoadRule, input: MinuteLoadsInput, from: number, to: number): MinuteLoad[] {
  const values = input.observations.buckets(rule.metric, rule.statistic, input.now - from).filter((b) => b.start >= from && b.start < to);
  const context = { scalings: input.history.scalings, readinessDelayMs: parseDuration(input.policy.readinessDelay), now: input.now };
  return bucketLoads(rule, values, input.currentReplicas, context).map((b) => ({ minuteStart: b.start, load: b.value }));
}
