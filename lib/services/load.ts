import * as z from 'zod';
import type { Tide } from '../app';
import { hourOfLoad, LOAD_KEY } from '../evaluator/rollups';
import { NotFoundError } from '../errors';
import { parseQuery } from '../http/query';
import { json, type HttpEvent, type HttpResult } from '../http/types';
import { namespaceName, resourceName } from '../names';
import { observationsFromBuckets, policySchema, policySchemaWithin, type LoadRule, type Policy } from '../policy';
import { bucketStartOf, STATISTICS } from '../statistics';
import { HOUR_MS, ROLLUP_RETENTION_DAYS } from '../store/rollups';
import { isoTime } from '../time';
import { parseOrThrow } from '../validation';

const DAY_MS = 24 * HOUR_MS;
const SINCE = `must be a whole number of days, hours or minutes such as 7d, 36h or 90m, from 1m to ${ROLLUP_RETENTION_DAYS}d: the load is kept ${ROLLUP_RETENTION_DAYS} days`;
const UNIT_MS = { d: DAY_MS, h: HOUR_MS, m: 60_000 } as const;

/**
 * A policy of one load rule that reads `key` (lib/policy/pastLoad.ts: a metric, a statistic, and
 * `*replicas` for a load per replica), or undefined when `key` is no load key.
 */
export function loadPolicyOf(key: string): Policy | undefined {
  const match = new RegExp(`^(.+)\\.(${STATISTICS.join('|')})(\\*replicas)?$`).exec(key);
  if (!match) return undefined;
  const rule = { type: 'load', metric: match[1], statistic: match[2], perReplica: match[3] !== undefined, target: 100 };
  const parsed = policySchema.safeParse({ rules: [rule] });
  return parsed.success ? parsed.data : undefined;
}

const loadQuery = z.object({
  namespace: namespaceName.default('default'),
  since: z
    .string({ error: SINCE })
    .regex(/^[1-9]\d{0,5}[dhm]$/, { error: SINCE, abort: true })
    .transform((text) => Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1) as keyof typeof UNIT_MS])
    .pipe(z.number().max(ROLLUP_RETENTION_DAYS * DAY_MS, { error: SINCE }))
    .default(7 * DAY_MS),
  key: z
    .string()
    .refine((key) => loadPolicyOf(key) !== undefined, {
      error: 'must be a load key: a metric, a statistic (mean, min, max, sum or count) and *replicas for a load per replica, such as cpu_ratio.mean*replicas',
    })
    .default(LOAD_KEY),
});

/**
 * `GET /v1/services/{service}/load?since=7d&key=cpu_ratio.mean*replicas`: the service's load in
 * each minute of the span that has some, oldest first, as `tide tune` replays it. Hours already
 * rolled up come from the rollups (one query); the minutes since, from the minute buckets, with
 * the ready replicas rebuilt from the service's state as the evaluator rebuilds them.
 */
export async function readServiceLoad(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const service = parseOrThrow(resourceName, event.pathParameters?.service, 'path');
  const { namespace, since, key } = parseQuery(loadQuery, event);
  const svc = await app.services.get(namespace, service);
  if (!svc) throw new NotFoundError(`no service ${service} in namespace ${namespace}`);
  const ofKey = loadPolicyOf(key) as Policy;
  const rule = ofKey.rules[0] as LoadRule;
  const now = app.now();
  const from = bucketStartOf(now - since, 60_000);

  const minutes: Array<{ ts: string; load: number }> = [];
  let rolledUpTo = from;
  for (const { hour, loads } of await app.rollups.readHours(namespace, service, bucketStartOf(from, HOUR_MS), now)) {
    (loads.get(key) ?? []).forEach((load, i) => {
      const minute = hour + i * 60_000;
      if (load !== undefined && minute >= from) minutes.push({ ts: isoTime(minute), load });
    });
    rolledUpTo = Math.max(rolledUpTo, hour + HOUR_MS);
  }

  // The minutes not rolled up yet, as far back as the buckets are kept.
  const recentFrom = Math.max(rolledUpTo, bucketStartOf(now - app.config.retentionSeconds * 1000, HOUR_MS));
  if (recentFrom < now) {
    const bucketMs = app.config.bucketSeconds * 1000;
    const buckets = await app.minutes.readService(namespace, service, [rule.metric], recentFrom, now);
    const state = await app.serviceStates.get(namespace, service);
    const parsed = policySchemaWithin(app.config).safeParse(svc.policy);
    // The service's readiness delay, as its policy says; the default when it has none.
    const input = { policy: parsed.success ? parsed.data : ofKey, currentReplicas: state.replicas ?? svc.min, observations: observationsFromBuckets(buckets, now, bucketMs), history: state, now };
    for (let hour = bucketStartOf(recentFrom, HOUR_MS); hour < now; hour += HOUR_MS) {
      (hourOfLoad([rule], input, hour).loads.get(key) ?? []).forEach((load, i) => {
        const minute = hour + i * 60_000;
        if (load !== undefined && minute >= recentFrom && minute < now) minutes.push({ ts: isoTime(minute), load });
      });
    }
  }
  return json(200, { namespace, service, key, since: isoTime(from), minutes });
}
