import type { Tide } from '../app';
import type { ProblemDetail } from '../errors';
import { aggregateSamples, shardOf } from './aggregate';
import { fullBucketProblems, groupProblems } from './limits';
import type { Sample } from './schema';

/** How long a batchId is remembered: samples older than 1 h are refused anyway. */
const BATCH_MEMORY_SECONDS = 2 * 3600;

export type RecordOutcome =
  | { status: 'stored'; accepted: number }
  /** The batchId was stored before: nothing counted again. */
  | { status: 'duplicate' }
  /** Nothing stored: the batch does not fit what storage holds. */
  | { status: 'refused'; problems: ProblemDetail[] };

/** Folds validated samples from one node into buckets and stores them whole or not at all, once per batchId. */
export async function recordSamples(
  app: Tide,
  batch: { namespace: string; node: string; batchId?: string; samples: readonly Sample[] },
): Promise<RecordOutcome> {
  const { bucketSeconds, retentionSeconds, writeShards } = app.config;
  const groups = aggregateSamples(batch.samples, bucketSeconds);
  const problems = groupProblems(groups, bucketSeconds);
  if (problems.length > 0) return { status: 'refused', problems };
  const result = await app.aggregates.recordBatch({
    namespace: batch.namespace,
    node: batch.node,
    shard: shardOf(batch.node, writeShards),
    ...(batch.batchId === undefined ? {} : { batchId: batch.batchId }),
    groups,
    expiresAt: (bucketStart) => bucketStart + bucketSeconds + retentionSeconds,
    markerExpiresAt: Math.floor(app.now() / 1000) + BATCH_MEMORY_SECONDS,
  });
  return result.status === 'refused' ? { status: 'refused', problems: fullBucketProblems(groups, result.full, bucketSeconds) } : result;
}
