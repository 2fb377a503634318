import * as z from 'zod';
import type { Tide } from '../app';
import { ValidationError } from '../errors';
import type { HttpEvent, HttpResult } from '../http/types';
import { json } from '../http/types';
import { metricName, namespaceName, resourceName } from '../names';
import type { MetricBucket } from '../store/aggregates';
import { isoTime, queryTimestamp } from '../time';
import { parseOrThrow } from '../validation';

export const STATISTICS = ['mean', 'min', 'max', 'sum', 'count'] as const;
export type Statistic = (typeof STATISTICS)[number];

const metricsQuery = z.object({
  namespace: namespaceName.default('default'),
  metric: metricName,
  stat: z.enum(STATISTICS, { error: 'must be one of mean, min, max, sum, count' }).default('mean'),
  from: queryTimestamp.optional(),
  to: queryTimestamp.optional(),
});

export function bucketValue(bucket: MetricBucket, stat: Statistic): number {
  switch (stat) {
    case 'mean':
      return bucket.sum / bucket.count;
    case 'min':
      return bucket.min;
    case 'max':
      return bucket.max;
    case 'sum':
      return bucket.sum;
    case 'count':
      return bucket.count;
  }
}

/** `GET /v1/services/{service}/metrics`: one point per bucket, the last hour unless `from`/`to` say otherwise. */
export async function readServiceMetrics(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const service = parseOrThrow(resourceName, event.pathParameters?.service, 'path');
  const query = parseOrThrow(metricsQuery, event.queryStringParameters ?? {}, 'query string');
  const to = query.to ?? app.now();
  const from = query.from ?? to - 3600_000;
  if (from > to) throw new ValidationError([{ path: 'from', message: 'must not be after to' }], 'query string');
  const { bucketSeconds, writeShards } = app.config;
  const fromBucket = Math.floor(from / 1000 / bucketSeconds) * bucketSeconds;
  const buckets = await app.aggregates.readBuckets(
    query.namespace,
    service,
    [query.metric],
    fromBucket,
    Math.floor(to / 1000),
    writeShards,
  );
  return json(200, {
    namespace: query.namespace,
    service,
    metric: query.metric,
    stat: query.stat,
    bucketSeconds,
    points: buckets.map((b) => ({ ts: isoTime(b.start * 1000), value: bucketValue(b, query.stat), count: b.count })),
  });
}
