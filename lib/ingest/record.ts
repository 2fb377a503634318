import type { Tide } from '../app';
import type { RecordBatchResult } from '../store/aggregates';
import { aggregateSamples, shardOf } from './aggregate';
import type { Sample } from './schema';

/** How long a batchId is remembered: samples older than 1 h are refused anyway. */
const BATCH_MEMORY_SECONDS = 2 * 3600;

/** Folds validated samples from one node into buckets and stores them, once per batchId. */
export function recordSamples(
  app: Tide,
  batch: { namespace: string; node: string; batchId?: string; samples: readonly Sample[] },
): Promise<RecordBatchResult> {
  const { bucketSeconds, retentionSeconds, writeShards } = app.config;
  return app.aggregates.recordBatch({
    namespace: batch.namespace,
    node: batch.node,
    shard: shardOf(batch.node, writeShards),
    ...(batch.batchId === undefined ? {} : { batchId: batch.batchId }),
    groups: aggregateSamples(batch.samples, bucketSeconds),
    expiresAt: (bucketStart) => bucketStart + bucketSeconds + retentionSeconds,
    markerExpiresAt: Math.floor(app.now() / 1000) + BATCH_MEMORY_SECONDS,
  });
}
