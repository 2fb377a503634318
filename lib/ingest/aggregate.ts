import { BUILT_IN_METRICS } from '../metricNames';
import type { Aggregate } from '../statistics';
import type { BatchGroup } from '../store/minutes';
import type { Sample } from './schema';

/** One metric's samples of one batch in one bucket. */
export interface MetricAggregate extends Aggregate {
  /** Index in the batch of the first sample carrying the metric, to name it in a refusal. */
  firstSample: number;
}

/** All of one batch's samples for one service that fall in one bucket. */
export interface BucketGroup extends BatchGroup {
  samples: number;
  metrics: Map<string, MetricAggregate>;
}

function add(metrics: Map<string, MetricAggregate>, name: string, value: number, sample: number): void {
  const agg = metrics.get(name);
  if (agg === undefined) {
    metrics.set(name, { count: 1, sum: value, min: value, max: value, firstSample: sample });
    return;
  }
  agg.count += 1;
  agg.sum += value;
  if (value < agg.min) agg.min = value;
  if (value > agg.max) agg.max = value;
}

/** Folds a batch into one group per (service, bucket), groups and their metrics in the order the batch brings them. */
export function aggregateSamples(samples: readonly Sample[], bucketSeconds: number): BucketGroup[] {
  const groups = new Map<string, { group: BucketGroup; containers: Set<string> }>();
  samples.forEach((s, index) => {
    const start = Math.floor(s.ts / 1000 / bucketSeconds) * bucketSeconds * 1000;
    const id = `${s.service}\u0000${start}`;
    let entry = groups.get(id);
    if (entry === undefined) {
      entry = { group: { service: s.service, start, samples: 0, containers: 0, metrics: new Map() }, containers: new Set() };
      groups.set(id, entry);
    }
    const { group } = entry;
    group.samples += 1;
    entry.containers.add(s.container);
    group.containers = entry.containers.size;
    for (const name of BUILT_IN_METRICS) {
      const value = s[name];
      if (value !== undefined) add(group.metrics, name, value, index);
    }
    if (s.custom) for (const [name, value] of Object.entries(s.custom)) add(group.metrics, name, value, index);
  });
  return [...groups.values()].map((e) => e.group);
}
