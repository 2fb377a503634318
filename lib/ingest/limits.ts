import type { ProblemDetail } from '../errors';
import { BUILT_IN_METRICS } from '../names';
import type { FullBucket } from '../store/aggregates';
import { isoTime } from '../time';
import type { BucketGroup } from './aggregate';
import { MAX_GROUPS_PER_BATCH, MAX_METRICS_PER_BUCKET } from '../store/limits';

const builtIn: ReadonlySet<string> = new Set(BUILT_IN_METRICS);

/**
 * A batch is stored in one write, and each (service, bucket) in one item:
 * refusals, naming a sample's field, for a batch that would not fit.
 */
export function groupProblems(groups: readonly BucketGroup[], bucketSeconds: number): ProblemDetail[] {
  if (groups.length > MAX_GROUPS_PER_BATCH) {
    return [
      {
        path: 'samples',
        message: `must fall into at most ${MAX_GROUPS_PER_BATCH} (service, ${bucketSeconds} s bucket) pairs, so that the batch is stored in one transaction; this one falls into ${groups.length}: send it as several batches`,
      },
    ];
  }
  return groups.flatMap((group) => {
    const beyond = [...group.metrics][MAX_METRICS_PER_BUCKET];
    if (beyond === undefined) return [];
    const [metric, agg] = beyond;
    return [
      {
        path: metricPath(metric, agg.firstSample),
        message: `would be metric name ${MAX_METRICS_PER_BUCKET + 1} of service ${group.service} in the ${bucketSeconds} s bucket from ${isoTime(group.bucketStart * 1000)} (this batch brings ${group.metrics.size}); at most ${MAX_METRICS_PER_BUCKET} per service and bucket`,
      },
    ];
  });
}

/** The store's refusal: buckets that already hold too many names to take this batch's new ones. */
export function fullBucketProblems(groups: readonly BucketGroup[], full: readonly FullBucket[], bucketSeconds: number): ProblemDetail[] {
  return full.flatMap((bucket) => {
    const [metric] = bucket.newMetrics;
    const group = groups.find((g) => g.service === bucket.service && g.bucketStart === bucket.bucketStart);
    const agg = metric === undefined ? undefined : group?.metrics.get(metric);
    if (metric === undefined || agg === undefined) return [];
    return [
      {
        path: metricPath(metric, agg.firstSample),
        message: `service ${bucket.service} already holds ${bucket.held} metric names in the ${bucketSeconds} s bucket from ${isoTime(bucket.bucketStart * 1000)}; adding ${bucket.newMetrics.join(', ')} would pass ${MAX_METRICS_PER_BUCKET} per service and bucket`,
      },
    ];
  });
}

function metricPath(metric: string, sample: number): string {
  return builtIn.has(metric) ? `samples[${sample}].${metric}` : `samples[${sample}].custom.${metric}`;
}
