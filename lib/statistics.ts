/**
 * One bucket of one metric: the samples whose timestamps fall in [start, start + the bucket's
 * width), merged over every node that reported them. The store reads them, the metrics route answers with
 * them and the policy decides on them.
 */
export interface MetricBucket {
  metric: string;
  /** Epoch milliseconds, as every time in Tide. */
  start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** The start of the bucket `time` falls in, both epoch ms. */
export function bucketStartOf(time: number, bucketMs: number): number {
  return Math.floor(time / bucketMs) * bucketMs;
}

/** What a statistic reads: the count, sum, min and max of some samples. */
export type Aggregate = Pick<MetricBucket, 'count' | 'sum' | 'min' | 'max'>;

/** The statistics a rule or the metrics route can name, in SPEC.md's order, and how each reads an aggregate. */
const READERS = {
  mean: (a: Aggregate) => a.sum / a.count,
  min: (a: Aggregate) => a.min,
  max: (a: Aggregate) => a.max,
  sum: (a: Aggregate) => a.sum,
  count: (a: Aggregate) => a.count,
};

export type Statistic = keyof typeof READERS;
export const STATISTICS = Object.keys(READERS) as [Statistic, ...Statistic[]];

export function statisticOf(aggregate: Aggregate, statistic: Statistic): number {
  return READERS[statistic](aggregate);
}
