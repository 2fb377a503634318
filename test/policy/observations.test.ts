import { describe, expect, it } from 'vitest';
import { observationsFromBuckets } from '../../lib/policy/observations';
import type { MetricBucket } from '../../lib/statistics';
import { MINUTE, NOW, SECOND } from './fixtures';

const bucket = (minutesAgo: number, values: number[], metric = 'cpu_ratio'): MetricBucket => ({
  metric,
  start: NOW - minutesAgo * MINUTE,
  count: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  min: Math.min(...values),
  max: Math.max(...values),
});

describe('observationsFromBuckets', () => {
  // Buckets of one minute starting 0..3 minutes before now, plus another metric's.
  const buckets = [bucket(3, [90]), bucket(2, [10, 20, 30]), bucket(1, [40]), bucket(0, [50, 60]), bucket(0, [1000], 'mem_usage')];
  const observations = observationsFromBuckets(buckets, NOW, MINUTE);

  it.each([
    ['mean is Σsum/Σcount, not a mean of bucket means', 'mean', 2 * MINUTE, (10 + 20 + 30 + 40 + 50 + 60) / 6],
    ['min over the buckets', 'min', 2 * MINUTE, 10],
    ['max over the buckets', 'max', 3 * MINUTE, 90],
    ['sum', 'sum', 1 * MINUTE, 40 + 50 + 60],
    ['count of samples', 'count', 3 * MINUTE, 7],
  ] as const)('%s', (_, statistic, windowMs, expected) => {
    expect(observations.value('cpu_ratio', statistic, windowMs)).toBe(expected);
  });

  it('covers every bucket that overlaps the window, and not one that ends where the window starts', () => {
    expect(observations.value('cpu_ratio', 'count', 2 * MINUTE)).toBe(6);
    expect(observations.value('cpu_ratio', 'count', 2 * MINUTE + 1)).toBe(7);
  });

  it('holds a whole window of samples a few seconds into a minute', () => {
    const early = observationsFromBuckets([bucket(1, [40, 42]), bucket(0, [50])], NOW + 3 * SECOND, MINUTE);
    expect(early.value('cpu_ratio', 'count', MINUTE)).toBe(3);
  });

  it('reads only the asked metric', () => {
    expect(observations.value('mem_usage', 'max', 10 * MINUTE)).toBe(1000);
    expect(observations.value('mem_ratio', 'mean', 10 * MINUTE)).toBeUndefined();
  });

  it('sees the bucket a window shorter than a bucket falls in', () => {
    const midBucket = observationsFromBuckets([bucket(0, [50, 60])], NOW + 45 * SECOND, MINUTE);
    expect(midBucket.value('cpu_ratio', 'mean', 30 * SECOND)).toBe(55);
  });

  it('counts buckets from nodes whose clocks run ahead', () => {
    const ahead = observationsFromBuckets([bucket(-2, [70])], NOW, MINUTE);
    expect(ahead.value('cpu_ratio', 'mean', MINUTE)).toBe(70);
  });

  it('has no data when the window holds no samples', () => {
    const empty = observationsFromBuckets([{ metric: 'cpu_ratio', start: NOW, count: 0, sum: 0, min: 0, max: 0 }, bucket(5, [80])], NOW, MINUTE);
    expect(empty.value('cpu_ratio', 'mean', 2 * MINUTE)).toBeUndefined();
    expect(empty.value('cpu_ratio', 'count', 2 * MINUTE)).toBeUndefined();
    expect(empty.value('cpu_ratio', 'min', 10 * MINUTE)).toBe(80);
  });
});
