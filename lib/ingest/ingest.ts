import type { Tide } from '../app';
import { requireNamespace } from '../credentials/agentKeys';
import { UnauthorizedError, ValidationError } from '../errors';
import type { AgentEvent } from '../http/agentAuth';
import { json, type HttpResult } from '../http/types';
import { namespaceName } from '../names';
import { parseOrThrow } from '../validation';
import { aggregateSamples, shardOf } from './aggregate';
import { metricsBatchSchema, timestampProblems } from './schema';

/** How long a batchId is remembered: samples older than 1 h are refused anyway. */
const BATCH_MEMORY_SECONDS = 2 * 3600;

/** `POST /v1/metrics`: validate the batch, fold it into buckets, store the aggregates once. */
export async function ingestMetrics(event: AgentEvent, app: Tide): Promise<HttpResult> {
  if (!event.agent) throw new UnauthorizedError();
  const namespace = parseOrThrow(namespaceName, event.queryStringParameters?.namespace ?? event.agent.namespace, 'query string');
  requireNamespace(event.agent, namespace);
  const batch = parseOrThrow(metricsBatchSchema, event.json);
  const now = app.now();
  const problems = timestampProblems(batch, now);
  if (problems.length > 0) throw new ValidationError(problems);

  const { bucketSeconds, retentionSeconds, writeShards } = app.config;
  const result = await app.aggregates.recordBatch({
    namespace,
    node: batch.node,
    shard: shardOf(batch.node, writeShards),
    ...(batch.batchId === undefined ? {} : { batchId: batch.batchId }),
    groups: aggregateSamples(batch.samples, bucketSeconds),
    expiresAt: (bucketStart) => bucketStart + bucketSeconds + retentionSeconds,
    markerExpiresAt: Math.floor(now / 1000) + BATCH_MEMORY_SECONDS,
  });
  return result.duplicate ? json(200, { accepted: 0, duplicate: true }) : json(202, result);
}
