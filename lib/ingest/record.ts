import { randomUUID } from 'node:crypto';
import type { Tide } from '../app';
import type { ProblemDetail } from '../errors';
import { aggregateSamples } from './aggregate';
import { groupProblems } from './limits';
import type { Minute, Sample } from './schema';

export type RecordOutcome =
  | { status: 'stored'; accepted: number }
  /** The batch was stored before: nothing counted again. */
  | { status: 'duplicate' }
  /** Nothing stored: the batch does not fit what storage holds. */
  | { status: 'refused'; problems: ProblemDetail[] };

/**
 * Folds validated samples from one node into buckets and stores them once per
 * batchId: as items of the batch's own, so a retried batch stores nothing
 * twice. Without a batchId the batch gets a random one (a retry then counts
 * again, as SPEC says).
 */
export async function recordSamples(
  app: Tide,
  batch: { namespace: string; node: string; batchId?: string; samples: readonly Sample[] },
): Promise<RecordOutcome> {
  const { bucketSeconds, retentionSeconds } = app.config;
  const groups = aggregateSamples(batch.samples, bucketSeconds);
  const problems = groupProblems(groups, bucketSeconds);
  if (problems.length > 0) return { status: 'refused', problems };
  const stored = await app.minutes.writeBatch(batch.namespace, batch.node, batch.batchId ?? randomUUID(), groups, (start) => start / 1000 + bucketSeconds + retentionSeconds);
  return stored ? { status: 'stored', accepted: batch.samples.length } : { status: 'duplicate' };
}

/**
 * Stores an agent's minutes, each replacing what the node sent of it before
 * when its seq is higher: a post whose every minute is stored already at its
 * seq or later is a duplicate. Accepted counts the samples the stored minutes
 * fold: per service, its metric with the most.
 */
export async function recordMinutes(app: Tide, batch: { namespace: string; node: string; minutes: readonly Minute[] }): Promise<RecordOutcome> {
  const { bucketSeconds, retentionSeconds } = app.config;
  if (bucketSeconds !== 60) {
    return { status: 'refused', problems: [{ path: 'minutes', message: `this Tide keeps ${bucketSeconds} s buckets (TIDE_BUCKET_SECONDS), not minutes: send samples` }] };
  }
  const stored = await Promise.all(
    batch.minutes.map(async (minute) => {
      const services = new Map(
        Object.entries(minute.services).map(([service, s]) => [service, { containers: s.containers, metrics: new Map(Object.entries(s.metrics)) }]),
      );
      const written = await app.minutes.writeNodeMinute(batch.namespace, batch.node, { start: minute.start, seq: minute.seq, services }, minute.start / 1000 + bucketSeconds + retentionSeconds);
      return written ? Object.values(minute.services).reduce((n, s) => n + Math.max(...Object.values(s.metrics).map((a) => a.count)), 0) : undefined;
    }),
  );
  const accepted = stored.filter((n) => n !== undefined);
  return accepted.length === 0 ? { status: 'duplicate' } : { status: 'stored', accepted: accepted.reduce((n, c) => n + c, 0) };
}
