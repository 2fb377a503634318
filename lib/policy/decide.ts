import { formatDuration, parseDuration } from '../duration';
import { bound, coolDown, rateLimit, stabilize, type Adjustment } from './behavior';
import { runsOf, type Recommendation } from './history';
import type { LoadContext } from './loadRule';
import { evaluateRule, type Read } from './rules';
import { activeSchedule, boundBySchedule } from './schedules';
import type { Decision, DecisionInput, RuleResult } from './types';
import { sleepAfterIdle, wakeFromZero, type ZeroStage } from './zero';

/** Replicas added within the readiness delay (inclusive): started, but not yet reporting load. */
function startingReplicas({ policy, history, now }: DecisionInput): number {
  const from = now - parseDuration(policy.readinessDelay);
  return history.scalings.reduce((n, s) => (s.ts >= from && s.to > s.from ? n + s.to - s.from : n), 0);
}

/**
 * One scaling decision for one service, as a pure function of its input: the same input always
 * gives the same decision, and nothing is read from the clock, the network or the store.
 *
 * Each rule proposes replicas and the largest proposal wins, so any rule can scale out and
 * scale-in happens only when every rule agrees, by the least reduction. The proposal then passes
 * through stabilization, rate limits, cooldowns, the delay before scaling to zero (zero.ts) and
 * min/max, in that order; while one of the service's schedules is active, its bounds take the
 * place of min and max.
 */
export function decide(input: DecisionInput): Decision {
  const { policy, currentReplicas: current, history, now } = input;

  const metrics: Record<string, number> = {};
  const read: Read = (metric, statistic, window) => {
    const windowMs = parseDuration(window);
    const value = input.observations.value(metric, statistic, windowMs);
    if (value !== undefined) metrics[`${metric}.${statistic}.${formatDuration(windowMs)}`] = value;
    return value;
  };
  const load: LoadContext = {
    buckets: (metric, statistic, window) => input.observations.buckets(metric, statistic, parseDuration(window)),
    record: (key, value) => {
      metrics[key] = value;
    },
    scalings: history.scalings,
    readinessDelayMs: parseDuration(policy.readinessDelay),
    ...(input.pastLoads ? { pastLoads: input.pastLoads } : {}),
    now,
  };
  const evaluated = policy.rules.map((rule) => evaluateRule(rule, current, startingReplicas(input), read, load));
  // At 0 replicas only a value above a rule's activation threshold wakes the service (zero.ts).
  const rules = current === 0 ? wakeFromZero(policy.rules, evaluated) : evaluated;

  const votes = rules.flatMap((r) => (r.proposal === null ? [] : [r.proposal]));
  let proposed = votes.length > 0 ? Math.max(...votes) : current;
  // The reason cites the rules behind the winning proposal; when every rule abstains, all of them.
  const winners = rules.filter((r) => r.proposal === proposed);
  const notes = [(winners.length > 0 ? winners : rules).map((r) => r.explanation).join('; ')];

  const metricsMissing = rules.length > 0 && rules.every((r) => r.value === null);
  const fallback = policy.missingMetrics;
  if (metricsMissing && fallback.behavior === 'fallback') {
    const reads = 1 + missingReadsBefore(history.recommendations, now);
    if (reads >= fallback.afterReads) {
      proposed = fallback.replicas;
      notes.push(`no data in ${reads} evaluations in a row: missingMetrics fallback → ${fallback.replicas}`);
    } else {
      notes.push(`no data in ${reads} of the ${fallback.afterReads} evaluations in a row before the missingMetrics fallback to ${fallback.replicas}`);
    }
  }

  const schedule = input.schedules && activeSchedule(input.schedules, now);
  const stages: Array<(replicas: number) => Adjustment | ZeroStage | undefined> = [
    (r) => stabilize(r, current, history.recommendations, policy.stabilization, now),
    (r) => rateLimit(r, current, history.scalings, policy.limits, now),
    (r) => coolDown(r, current, history.scalings, policy.cooldown, now),
    (r) => sleepAfterIdle(r, current, policy, history, rules, now),
    (r) => (schedule ? boundBySchedule(r, schedule, input.min, input.max) : bound(r, input.min, input.max)),
  ];
  let replicas = proposed;
  let limitedBy: string | undefined;
  for (const stage of stages) {
    const adjustment = stage(replicas);
    if (!adjustment) continue;
    replicas = adjustment.replicas;
    if (adjustment.limitedBy) limitedBy = adjustment.limitedBy;
    notes.push(adjustment.note);
  }

  const forecast = rules.reduce<RuleResult['forecast']>((best, r) => (r.forecast && (!best || r.forecast.replicas > best.replicas) ? r.forecast : best), undefined);
  return {
    ts: now,
    replicas,
    proposed,
    direction: replicas > current ? 'out' : replicas < current ? 'in' : 'none',
    reason: notes.join('; '),
    ...(limitedBy === undefined ? {} : { limitedBy }),
    rules,
    ...(metricsMissing ? { metricsMissing: true as const } : {}),
    ...(forecast ? { forecast } : {}),
    metrics,
  };
}

/** How many of the latest evaluations in a row were made without data. */
function missingReadsBefore(recommendations: readonly Recommendation[], now: number): number {
  let n = 0;
  for (const run of runsOf(recommendations, now).reverse()) {
    if (!run.metricsMissing) break;
    n += run.evaluations;
  }
  return n;
}
