import type { Tide } from '../app';
import { bucketStartOf, type MetricBucket } from '../statistics';

/** "Reported in the last minute": the window the replicas fallback counts containers over. */
const WINDOW_MS = 60_000;
/** Every agent sample carries CPU and memory; the busier count stands for the containers. */
const COUNTED_METRICS = ['cpu_ratio', 'mem_usage'] as const;

/**
 * How many containers of a service reported in the last 60 s, estimated
 * from its aggregates, the still-open bucket included; undefined when none
 * did. Aggregates keep counts, not container ids, so that a service's write
 * cost does not grow with its size.
 */
export async function reportingContainers(app: Tide, namespace: string, service: string): Promise<number | undefined> {
  const { bucketSeconds, writeShards, agentIntervalSeconds } = app.config;
  const now = app.now();
  const buckets = await app.aggregates.readBuckets(namespace, service, COUNTED_METRICS, bucketStartOf(now - WINDOW_MS, bucketSeconds * 1000), now, writeShards);
  return estimateContainers(buckets, now, { bucketSeconds, agentIntervalSeconds });
}

/**
 * Each container sends one sample per agent interval. The closed buckets the
 * window overlaps span whole intervals, so their samples divided by those
 * intervals count the containers that kept reporting; the open bucket holds
 * at most one sample per container for each interval begun since it opened,
 * so a container that reported seconds ago counts at once. The larger count
 * wins.
 */
export function estimateContainers(
  buckets: readonly MetricBucket[],
  now: number,
  config: { bucketSeconds: number; agentIntervalSeconds: number },
): number | undefined {
  const bucketMs = config.bucketSeconds * 1000;
  const intervalMs = config.agentIntervalSeconds * 1000;
  const openStart = bucketStartOf(now, bucketMs);
  const firstStart = bucketStartOf(now - WINDOW_MS, bucketMs);
  const intervalsClosed = Math.max(1, (openStart - firstStart) / intervalMs);
  const intervalsBegun = Math.max(1, Math.ceil((now - openStart) / intervalMs));
  const containers = Math.max(
    ...COUNTED_METRICS.map((metric) => {
      const samples = (keep: (start: number) => boolean) => buckets.filter((b) => b.metric === metric && keep(b.start)).reduce((n, b) => n + b.count, 0);
      return Math.max(samples((start) => start >= firstStart && start < openStart) / intervalsClosed, samples((start) => start === openStart) / intervalsBegun);
    }),
  );
  return containers === 0 ? undefined : Math.max(1, Math.round(containers));
}
