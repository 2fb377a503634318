import * as z from 'zod';
import type { Tide } from '../app';
import { ValidationError } from '../errors';
import type { HttpEvent, HttpResult } from '../http/types';
import { parseQuery } from '../http/query';
import { json } from '../http/types';
import { metricName, namespaceName, resourceName } from '../names';
import { bucketStartOf, STATISTICS, statisticOf } from '../statistics';
import { isoTime, queryTimestamp } from '../time';
import { parseOrThrow } from '../validation';

// Metrics are stored from 1970 on, and bucket keys hold 12 digits of seconds: a time outside
// these is no range anyone means, and the store could not order it.
const EARLIEST = 0;
const LATEST = Date.parse('9999-12-31T23:59:59Z');
const queryTime = queryTimestamp.refine((ms) => ms >= EARLIEST && ms <= LATEST, {
  error: 'must be a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z',
  // Only for a time that parsed: one that did not has its own problem already.
  when: (payload) => payload.issues.length === 0,
});

const metricsQuery = z.object({
  namespace: namespaceName.default('default'),
  metric: z.string({ error: 'is required: the metric to read, such as cpu_ratio' }).pipe(metricName),
  stat: z.enum(STATISTICS, { error: `must be one of ${STATISTICS.join(', ')}` }).default('mean'),
  from: queryTime.optional(),
  to: queryTime.optional(),
});

/** `GET /v1/services/{service}/metrics`: one point per bucket, the last hour unless `from`/`to` say otherwise. */
export async function readServiceMetrics(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const service = parseOrThrow(resourceName, event.pathParameters?.service, 'path');
  const query = parseQuery(metricsQuery, event);
  const to = query.to ?? app.now();
  const from = query.from ?? to - 3600_000;
  if (from > to) throw new ValidationError([{ path: 'from', message: 'must not be after to' }], 'query string');
  const { bucketSeconds } = app.config;
  const buckets = await app.minutes.readService(query.namespace, service, [query.metric], bucketStartOf(from, bucketSeconds * 1000), to);
  return json(200, {
    namespace: query.namespace,
    service,
    metric: query.metric,
    stat: query.stat,
    bucketSeconds,
    points: buckets.map((b) => ({ ts: isoTime(b.start), value: statisticOf(b, query.stat), count: b.count })),
  });
}
