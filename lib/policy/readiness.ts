import type { ScalingRecord } from './history';
import type { LoadRule } from './schema';
import type { BucketValue } from './types';

/** A service's replicas as a policy reads them: how many now, and the scalings that led there. */
export interface Fleet {
  replicas: number;
  scalings: readonly ScalingRecord[];
  /** The policy's readinessDelay: an added replica serves this long after it was added. */
  readinessDelayMs: number;
}

/**
 * The replicas serving at `time`: the replicas now with every scaling not yet in effect undone. A
 * removal counts from when it was made, an addition once its readiness delay passed. Before the
 * hour of history a service keeps, replicas are taken as at its start.
 */
export function readyAt(fleet: Fleet, time: number): number {
  const pending = fleet.scalings.reduce((n, s) => ((s.to > s.from ? s.ts + fleet.readinessDelayMs : s.ts) > time ? n + s.to - s.from : n), 0);
  return Math.max(0, fleet.replicas - pending);
}

/**
 * The moment a bucket is taken to stand for: its last millisecond, or now for the bucket still
 * filling. The evaluator runs a few seconds into a bucket, so a scaling it makes shows in nearly
 * all of that bucket's readings; at the bucket's start it would show in none, and a per-replica
 * reading taken on fewer replicas would be multiplied by the replicas just removed.
 */
export function standsAt(bucket: { end: number }, now: number): number {
  return Math.min(now, bucket.end - 1);
}

/**
 * The load of each bucket as the rule reads it: the statistic's value, with perReplica times the
 * replicas ready in that bucket (at least one) as it stood at its end (standsAt). The prediction's
 * rollups are these same loads.
 */
export function bucketLoads(
  rule: Pick<LoadRule, 'perReplica'>,
  values: readonly BucketValue[],
  current: number,
  ctx: Pick<Fleet, 'scalings' | 'readinessDelayMs'> & { now: number },
): BucketValue[] {
  const fleet = { replicas: current, scalings: ctx.scalings, readinessDelayMs: ctx.readinessDelayMs };
  return values.map((b) => (rule.perReplica ? { ...b, value: b.value * Math.max(1, readyAt(fleet, standsAt(b, ctx.now))) } : b));
}
