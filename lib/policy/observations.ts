import { statisticOf, type MetricBucket } from '../statistics';
import type { Observations } from './types';

/**
 * Observations over stored buckets, for decide().
 *
 * A window of W ms ending at `now` covers every bucket that overlaps [now − W, now]: the bucket
 * still being filled, and the older one the window's start falls in. So a window always holds at
 * least W of samples, whenever in the minute the evaluator runs; with whole buckets only, a 1m
 * window read a few seconds into a minute would see just those seconds, often nothing at all.
 * The price is up to one bucket more than W. Buckets starting after `now` count too: ingest
 * accepts samples up to 5 minutes ahead, and a node whose clock runs fast should not vanish.
 *
 * The buckets merge into one aggregate (Σcount, Σsum, min and max over them) that the statistic
 * reads; no samples in the window: undefined. `buckets` reads the same buckets one by one.
 */
export function observationsFromBuckets(buckets: readonly MetricBucket[], now: number, bucketMs: number): Observations {
  return {
    value(metric, statistic, windowMs) {
      const from = now - windowMs;
      let count = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const b of buckets) {
        if (b.metric !== metric || b.start + bucketMs <= from || b.count === 0) continue;
        count += b.count;
        sum += b.sum;
        min = Math.min(min, b.min);
        max = Math.max(max, b.max);
      }
      return count === 0 ? undefined : statisticOf({ count, sum, min, max }, statistic);
    },
    buckets(metric, statistic, windowMs) {
      const from = now - windowMs;
      return buckets
        .filter((b) => b.metric === metric && b.start + bucketMs > from && b.count > 0)
        .map((b) => ({ start: b.start, end: b.start + bucketMs, value: statisticOf(b, statistic) }))
        .sort((a, b) => a.start - b.start);
    },
  };
}
