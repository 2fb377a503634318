import type { ProblemDetail } from '../errors';
import { isoTime } from '../isoTime';
import { BUILT_IN_METRICS } from '../metricNames';
import type { BucketGroup } from './aggregate';
import { MAX_METRICS_PER_BUCKET } from '../store/limits';

const builtIn: ReadonlySet<string> = new Set(BUILT_IN_METRICS);

/** Refusals, naming a sample's field, for a batch bringing a service more metric names in one bucket than Tide keeps. */
export function groupProblems(groups: readonly BucketGroup[], bucketSeconds: number): ProblemDetail[] {
  return groups.flatMap((group) => {
    const beyond = [...group.metrics][MAX_METRICS_PER_BUCKET];
    if (beyond === undefined) return [];
    const [metric, agg] = beyond;
    return [
      {
        path: metricPath(metric, agg.firstSample),
        message: `would be metric name ${MAX_METRICS_PER_BUCKET + 1} of service ${group.service} in the ${bucketSeconds} s bucket from ${isoTime(group.start)} (this batch brings ${group.metrics.size}); at most ${MAX_METRICS_PER_BUCKET} per service and bucket`,
      },
    ];
  });
}

function metricPath(metric: string, sample: number): string {
  return builtIn.has(metric) ? `samples[${sample}].${metric}` : `samples[${sample}].custom.${metric}`;
}
