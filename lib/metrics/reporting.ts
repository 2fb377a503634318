import type { Tide } from '../app';

/**
 * An estimate of how many containers of a service reported in the last full
 * minute: the samples received then, divided by how many samples one agent
 * sends a container per minute. Aggregates keep counts, not container ids,
 * so that a service's write cost does not grow with its size.
 */
export async function reportingContainers(app: Tide, namespace: string, service: string): Promise<number | undefined> {
  const { bucketSeconds, writeShards, agentIntervalSeconds } = app.config;
  const nowSeconds = Math.floor(app.now() / 1000);
  const from = Math.floor((nowSeconds - 60) / bucketSeconds) * bucketSeconds;
  const buckets = await app.aggregates.readBuckets(namespace, service, ['cpu_ratio', 'mem_usage'], from, nowSeconds, writeShards);
  const samples = Math.max(
    0,
    ...['cpu_ratio', 'mem_usage'].map((metric) => buckets.filter((b) => b.metric === metric && b.start + bucketSeconds <= nowSeconds).reduce((n, b) => n + b.count, 0)),
  );
  if (samples === 0) return undefined;
  const minutes = Math.max(1, bucketSeconds / 60);
  return Math.max(1, Math.round(samples / minutes / (60 / agentIntervalSeconds)));
}
