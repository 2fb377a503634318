import { describe, expect, it } from 'vitest';
import { estimateContainers } from '../../lib/metrics/reporting';
import type { MetricBucket } from '../../lib/statistics';

// A minute bucket starts at T (epoch ms); agents send one sample per container every 10 s.
const S = 1000;
const T = (1_795_000_000 - (1_795_000_000 % 60)) * S;
const DEFAULT = { bucketSeconds: 60, agentIntervalSeconds: 10 };

const cpu = (start: number, count: number): MetricBucket => ({ metric: 'cpu_ratio', start, count, sum: 40 * count, min: 40, max: 40 });

describe('Function: estimateContainers', () => {
  it.each([
    { name: 'a container that reported 5 s ago, in the open bucket', buckets: [cpu(T, 1)], now: T + 5 * S, expected: 1 },
    { name: 'three containers that started 5 s ago', buckets: [cpu(T, 3)], now: T + 5 * S, expected: 3 },
    { name: 'three containers reporting all along, 35 s into the minute', buckets: [cpu(T - 60 * S, 18), cpu(T, 12)], now: T + 35 * S, expected: 3 },
    { name: 'three containers whose sample for the open bucket has not come yet', buckets: [cpu(T - 60 * S, 18)], now: T + 5 * S, expected: 3 },
    { name: 'a container that reported twice in one interval (a late and an early sample)', buckets: [cpu(T - 60 * S, 7), cpu(T, 2)], now: T + 12 * S, expected: 1 },
    { name: 'containers that reported on memory only', buckets: [{ metric: 'mem_usage', start: T, count: 2, sum: 2, min: 1, max: 1 }], now: T + 8 * S, expected: 2 },
    { name: 'nothing', buckets: [], now: T + 5 * S, expected: undefined },
    { name: 'only a bucket that ended before the last 60 s', buckets: [cpu(T - 120 * S, 18)], now: T + 5 * S, expected: undefined },
    { name: 'only samples ahead of now (a fast node clock)', buckets: [cpu(T + 60 * S, 6)], now: T + 5 * S, expected: undefined },
  ])('$name → $expected', ({ buckets, now, expected }) => {
    expect(estimateContainers(buckets, now, DEFAULT)).toBe(expected);
  });

  it('counts containers when buckets are shorter than the agent interval', () => {
    // 10 s buckets, a sample every 30 s: two containers land in different buckets.
    const buckets = [T - 60 * S, T - 50 * S, T - 40 * S, T - 30 * S, T - 20 * S, T - 10 * S].map((start, i) => cpu(start, i % 3 === 0 ? 2 : 0)).filter((b) => b.count > 0);
    expect(estimateContainers(buckets, T + 5 * S, { bucketSeconds: 10, agentIntervalSeconds: 30 })).toBe(2);
  });
});
