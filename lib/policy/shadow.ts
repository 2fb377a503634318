import { parseDuration } from '../duration';
import { fnv1a } from '../hash';
import type { MetricBucket } from '../statistics';
import { decide } from './decide';
import { recordDecision, recordScaling, type History, type ScalingRecord } from './history';
import { observationsFromBuckets } from './observations';
import type { PastLoads } from './types';
import type { Policy } from './schema';
import { readyAt, standsAt, type Fleet } from './readiness';

// Shadow policies: candidates decided every evaluation beside the live policy, on the same
// readings, each with replicas and a history of its own, never calling the platform. Each is
// scored against the live policy over the same minutes, so an operator can see what a policy
// would have cost before letting it act. Pure functions over numbers; `now` is epoch ms.

/** At most this many shadows per service: each is one more decision per evaluation and more state. */
export const MAX_SHADOWS = 3;

/** The metric whose load says whether a minute was overloaded: the backtest's cpu_ratio. */
export const LOAD_METRIC = 'cpu_ratio';

/**
 * How far back an evaluation scores minutes it has not scored yet. A gap longer than this (the
 * evaluator stopped, the service was manual) is left out of the scores, for the live policy and
 * the shadow alike: neither is guessed at over minutes nobody looked at.
 */
export const SCORING_LOOKBACK_MS = 5 * 60_000;

/** What a policy cost over the minutes scored. */
export interface Score {
  /** Σ replicas (ready or starting) × minutes: what the platform bills. */
  replicaMinutes: number;
  /** Minutes whose load was more than the ready replicas carry at 100 % cpu_ratio. */
  overloadedMinutes: number;
  /** Changes of replicas. */
  scalingActions: number;
}

/** A shadow's own replicas and history, and its scores beside the live policy's since it started. */
export interface ShadowState extends History {
  /** The fingerprint of the policy these belong to: an edited policy starts afresh. */
  fingerprint: string;
  /** When the shadow started (or last restarted). */
  since: number;
  /** The shadow's replicas, ready or starting, after its last decision. */
  replicas: number;
  lastDecision?: { ts: number; replicas: number; reason: string };
  /** Where the next minute to score starts: every minute before it is scored, or was left out. */
  scoredUntil: number;
  /** The minutes both scores cover. */
  minutes: number;
  live: Score;
  shadow: Score;
}

/** A parsed shadow from a service document. */
export interface ShadowPolicy {
  name: string;
  policy: Policy;
  fingerprint: string;
}

/** The replicas a policy ran at some time: what it has now and the scalings it made (newest within the history). */
/**
 * The fingerprint of a parsed policy: the same policy, defaults applied, gives the same one, in
 * whatever order its fields come (DynamoDB keeps no order in a map, and a stored policy is run
 * as read).
 */
export function fingerprintOf(policy: Policy): string {
  return fnv1a(JSON.stringify(policy, (_, value: unknown) => (isObject(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value))).toString(36);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The replicas the fleet had at `time`: its replicas now with every later scaling undone. */
export function replicasAt(fleet: Fleet, time: number): number {
  return Math.max(0, fleet.scalings.reduce((n, s) => (s.ts > time ? n - (s.to - s.from) : n), fleet.replicas));
}

/**
 * The buckets as the shadow's replicas would have reported them. A per-replica reading
 * (cpu_ratio, mem_ratio, a container's requests per second) was measured on the live replicas
 * ready in that bucket; the same total load spread over the shadow's ready replicas reads
 * live ÷ shadow times as high. So each bucket's mean, min and max scale by that factor, its
 * sample count by its inverse (fewer replicas send fewer samples), and its sum, the total,
 * stays. With no replica ready the load is read as one replica would carry it, as the sim
 * reports it. Metrics in `totals` (a load rule's metric with perReplica false: a queue length)
 * are the same whatever the replicas, and are left as they are.
 */
export function asSeenBy(buckets: readonly MetricBucket[], live: Fleet, shadow: Fleet, totals: ReadonlySet<string>, bucketMs: number, now: number): MetricBucket[] {
  return buckets.map((b) => {
    if (totals.has(b.metric)) return b;
    const at = standsAt({ end: b.start + bucketMs }, now);
    const factor = Math.max(1, readyAt(live, at)) / Math.max(1, readyAt(shadow, at));
    return factor === 1 ? b : { ...b, count: b.count / factor, min: b.min * factor, max: b.max * factor };
  });
}

/** Metrics a policy reads as totals rather than per replica: those of its load rules with perReplica false, and of rules with per "service". */
function totalsOf(policy: Policy): Set<string> {
  return new Set(policy.rules.flatMap((r) => ((r.type === 'load' && !r.perReplica) || r.per === 'service' ? [r.metric] : [])));
}

const noScore = (): Score => ({ replicaMinutes: 0, overloadedMinutes: 0, scalingActions: 0 });

/** A shadow starting now at the live replicas, with nothing scored; its first minute is the next whole bucket. */
export function startShadow(fingerprint: string, liveReplicas: number, now: number, bucketMs: number): ShadowState {
  return {
    fingerprint,
    since: now,
    replicas: liveReplicas,
    recommendations: [],
    scalings: [],
    scoredUntil: Math.ceil(now / bucketMs) * bucketMs,
    minutes: 0,
    live: noScore(),
    shadow: noScore(),
  };
}

/** One bucket's cost to a fleet, given the bucket's load in cpu_ratio points (undefined: no reading). */
function bucketScore(fleet: Fleet, start: number, bucketMs: number, load: number | undefined): Score {
  const minutes = bucketMs / 60_000;
  const at = standsAt({ end: start + bucketMs }, Infinity);
  return {
    replicaMinutes: replicasAt(fleet, at) * minutes,
    // The backtest's minutesOverloaded: load above what the ready replicas serve at 100 % CPU.
    overloadedMinutes: load !== undefined && load > readyAt(fleet, at) * 100 ? minutes : 0,
    scalingActions: fleet.scalings.filter((s) => s.ts >= start && s.ts < start + bucketMs && s.to !== s.from).length,
  };
}

const plus = (a: Score, b: Score): Score => ({
  replicaMinutes: a.replicaMinutes + b.replicaMinutes,
  overloadedMinutes: a.overloadedMinutes + b.overloadedMinutes,
  scalingActions: a.scalingActions + b.scalingActions,
});

/**
 * Scores every whole bucket that ended by `now` and is not scored yet (within the lookback),
 * for the live fleet and the shadow's alike. A bucket's replicas, ready or not, are those it
 * ended with, and its scalings those made within it: with the evaluator at the bucket's start,
 * as the backtest counts a minute. Its load is the live replicas' cpu_ratio mean times the
 * live replicas ready then; a bucket without a cpu_ratio reading costs its replicas and is not
 * overloaded.
 */
export function scoreBuckets(state: ShadowState, live: Fleet, shadow: Fleet, buckets: readonly MetricBucket[], bucketMs: number, now: number): ShadowState {
  const earliest = Math.ceil((now - SCORING_LOOKBACK_MS) / bucketMs) * bucketMs;
  let scored = state;
  for (let start = Math.max(state.scoredUntil, earliest); start + bucketMs <= now; start += bucketMs) {
    const reading = buckets.find((b) => b.metric === LOAD_METRIC && b.start === start && b.count > 0);
    const load = reading && (reading.sum / reading.count) * Math.max(1, readyAt(live, standsAt({ end: start + bucketMs }, now)));
    scored = {
      ...scored,
      minutes: scored.minutes + bucketMs / 60_000,
      live: plus(scored.live, bucketScore(live, start, bucketMs, load)),
      shadow: plus(scored.shadow, bucketScore(shadow, start, bucketMs, load)),
    };
  }
  const scoredUntil = Math.max(state.scoredUntil, Math.floor(now / bucketMs) * bucketMs);
  return { ...scored, scoredUntil };
}

export interface ShadowTick {
  shadow: ShadowPolicy;
  /** Its state after the last evaluation; undefined before its first. */
  state: ShadowState | undefined;
  /** The live replicas as read now, the live history's scalings and the live policy's readinessDelay. */
  live: Fleet;
  min: number;
  max: number;
  /** Every bucket the evaluation read: the shadow's windows and the scoring's lookback. */
  buckets: readonly MetricBucket[];
  /** The service's past load as the live policy's prediction reads it: totals, the same for any replicas. */
  pastLoads?: PastLoads | undefined;
  bucketMs: number;
  now: number;
}

/**
 * One evaluation of a shadow: the minutes since the last are scored, then the shadow decides
 * with the same decide() as the live policy, on the readings its own replicas would have
 * sent, and takes its decision at once (its added replicas serve after its readinessDelay). A
 * shadow whose policy changed starts again at the live replicas with no history and no scores.
 */
export function advanceShadow(tick: ShadowTick): ShadowState {
  const { shadow, live, bucketMs, now } = tick;
  const { policy } = shadow;
  const before = tick.state?.fingerprint === shadow.fingerprint ? tick.state : startShadow(shadow.fingerprint, live.replicas, now, bucketMs);
  const own: Fleet = { replicas: before.replicas, scalings: before.scalings, readinessDelayMs: parseDuration(policy.readinessDelay) };
  const scored = scoreBuckets(before, live, own, tick.buckets, bucketMs, now);
  const observations = observationsFromBuckets(asSeenBy(tick.buckets, live, own, totalsOf(policy), bucketMs, now), now, bucketMs);
  const decision = decide({ policy, min: tick.min, max: tick.max, currentReplicas: own.replicas, observations, history: before, pastLoads: tick.pastLoads, now });
  let history = recordDecision(before, decision);
  if (decision.replicas !== own.replicas) history = recordScaling(history, { ts: now, from: own.replicas, to: decision.replicas });
  return {
    ...scored,
    recommendations: stillRead(history.recommendations, policy, now),
    scalings: history.scalings,
    replicas: decision.replicas,
    lastDecision: { ts: now, replicas: decision.replicas, reason: decision.reason },
  };
}

/**
 * The recommendations a later decision of the policy can still read: those within its longer
 * stabilization window, and the latest run made without data, which a missingMetrics fallback
 * counts. The live policy keeps the hour (history.ts); a shadow keeps only these, so that each
 * shadow adds little to the service's state item, and decides exactly as with the hour.
 */
function stillRead(recommendations: History['recommendations'], policy: Policy, now: number): History['recommendations'] {
  const from = now - Math.max(parseDuration(policy.stabilization.scaleOut), parseDuration(policy.stabilization.scaleIn));
  let missingRun = recommendations.length;
  while (missingRun > 0 && recommendations[missingRun - 1]?.metricsMissing) missingRun--;
  return recommendations.filter((r, i) => r.ts > from || i >= missingRun);
}

/**
 * Every shadow of a service, one evaluation on: those in the document advance, those no longer
 * in it are dropped, and one whose stored policy no longer parses is kept as it stood.
 */
export function advanceShadows(
  shadows: readonly ShadowPolicy[],
  names: readonly string[],
  states: Readonly<Record<string, ShadowState>> | undefined,
  tick: Omit<ShadowTick, 'shadow' | 'state'>,
): Record<string, ShadowState> {
  const next: Record<string, ShadowState> = {};
  for (const name of names) {
    const shadow = shadows.find((s) => s.name === name);
    const state = states?.[name];
    if (shadow) next[name] = advanceShadow({ ...tick, shadow, state });
    else if (state) next[name] = state;
  }
  return next;
}
