import type { Tide } from '../app';
import { logger } from '../observability';
import { parseDuration } from '../duration';
import { POLICY_DEFAULTS } from '../policy/defaults';
import { observationsFromBuckets } from '../policy/observations';
import { loadKey, loadRulesWithPrediction, minuteLoads } from '../policy/pastLoad';
import type { LoadRule, Policy } from '../policy/schema';
import type { PastLoads } from '../policy/types';
import type { MetricBucket } from '../statistics';
import { HOUR_MS, ROLLUP_RETENTION_DAYS, type HourOfLoad } from '../store/rollups';
import type { StoredService } from '../store/services';

// A service's load past the minute buckets' retention: the evaluator rolls each hour up at the
// first tick after it (from the buckets that tick reads anyway, over a longer range), and a
// predicting service reads the hours its forecast needs, on the days it looks back, once an hour.

/** The load `tide tune` replays, kept for any service that reports cpu_ratio: cpu_ratio's mean times the ready replicas, in percent of one replica's CPU. */
export const LOAD_KEY = 'cpu_ratio.mean*replicas';
/**
 * LOAD_KEY's rule, every default applied as the schema applies them (the rollups' tests hold it
 * to the schema's parse): built by hand, so that the evaluator loads no zod for it.
 */
export const CPU_LOAD: LoadRule = { type: 'load', metric: 'cpu_ratio', statistic: 'mean', ...POLICY_DEFAULTS.load, target: 100 };

/** The loads a service's rollups keep, one rule per load key: each load rule's that predicts, and cpu_ratio's. */
export function rolledUpLoads(policy: Policy): LoadRule[] {
  return [...new Map([...loadRulesWithPrediction(policy), CPU_LOAD].map((rule) => [loadKey(rule), rule])).values()];
}

const serviceId = (svc: Pick<StoredService, 'namespace' | 'service'>) => `${svc.namespace}#${svc.service}`;
const DAY_MS = 24 * HOUR_MS;
const hourOf = (time: number) => Math.floor(time / HOUR_MS) * HOUR_MS;

/**
 * The last hour each service's rollup was written, by this container: an hour is written at the
 * first tick after it, so ticks within an hour read and write nothing more. A container that
 * starts cold writes the hour before at its first tick, which may write it a second time: the
 * same item again, harmless.
 */
const rolledUp = new Map<string, number>();

/** The hour this tick rolls up (epoch ms), or undefined when this container wrote it already. */
export function hourToRollUp(svc: Pick<StoredService, 'namespace' | 'service'>, now: number): number | undefined {
  const previous = hourOf(now) - HOUR_MS;
  return (rolledUp.get(serviceId(svc)) ?? -Infinity) < previous ? previous : undefined;
}

/**
 * An hour of load by key, from the decision's own input (its buckets must cover the hour); a key
 * without any minute of data is left out. Buckets shorter than a minute (TIDE_BUCKET_SECONDS) are
 * averaged into their minute; a longer one fills the minute it starts in.
 */
export function hourOfLoad(rules: readonly LoadRule[], input: Parameters<typeof minuteLoads>[1], hour: number): HourOfLoad {
  const loads = new Map<string, Array<number | undefined>>();
  for (const rule of rules) {
    const sums = Array.from({ length: 60 }, () => ({ load: 0, count: 0 }));
    for (const { minuteStart, load } of minuteLoads(rule, input, hour, hour + HOUR_MS)) {
      const minute = sums[Math.floor((minuteStart - hour) / 60_000)] as { load: number; count: number };
      minute.load += load;
      minute.count += 1;
    }
    if (sums.some((m) => m.count > 0)) loads.set(loadKey(rule), sums.map((m) => (m.count === 0 ? undefined : m.load / m.count)));
  }
  return { hour, loads };
}

/**
 * Rolls an hour up from a tick's own decision input (its buckets reach back to the hour's start)
 * and writes it, once it holds some load. A write that fails is logged and tried again at the
 * next tick; the evaluation it follows stands.
 */
export async function rollUpHour(app: Tide, svc: StoredService, policy: Policy, hour: number, input: Parameters<typeof minuteLoads>[1]): Promise<void> {
  const rollup = hourOfLoad(rolledUpLoads(policy), input, hour);
  try {
    if (rollup.loads.size > 0) await app.rollups.putHour(svc.namespace, svc.service, rollup);
    rolledUp.set(serviceId(svc), hour);
  } catch (error) {
    logger.warn('rolling up an hour of load failed; the next tick tries again', { namespace: svc.namespace, service: svc.service, hour: new Date(hour).toISOString(), errorMessage: (error as Error).message });
  }
}

/** What a predicting service's decisions read this hour: its rolled-up hours, and the buckets of those not rolled up that are still kept. */
export interface PastRead {
  hour: number;
  hours: HourOfLoad[];
  /** Hours asked for that no rollup (or no rollup with every predicting key) answered, but the minute buckets still cover. */
  unrolled: number[];
  buckets: MetricBucket[];
}

/** Each service's past read, for the hour it was read in. */
const pastReads = new Map<string, PastRead>();

/** Room around the minutes a forecast names, for its smoothing and its bursts' baselines (lib/policy/forecast.ts). */
const FORECAST_MARGIN_MS = 30 * 60_000;

/**
 * The hours of past days a policy's predictions may read during the hour `hour`: on each of the
 * last `days` days, from the start of the longest inWindow (the recent minutes a seasonal floor is
 * scaled on) to the end of the hour plus the look-ahead.
 */
export function hoursToRead(policy: Policy, hour: number): number[] {
  const rules = loadRulesWithPrediction(policy);
  if (rules.length === 0) return [];
  const days = Math.max(...rules.map((r) => r.prediction?.days ?? ROLLUP_RETENTION_DAYS));
  const back = Math.max(...rules.map((r) => parseDuration(r.inWindow))) + FORECAST_MARGIN_MS;
  const ahead = HOUR_MS + Math.max(...rules.map((r) => parseDuration(r.prediction?.lookAhead ?? policy.readinessDelay))) + FORECAST_MARGIN_MS;
  const hours: number[] = [];
  for (let d = 1; d <= days; d++) {
    for (let h = hourOf(hour - d * DAY_MS - back); h <= hourOf(hour - d * DAY_MS + ahead); h += HOUR_MS) hours.push(h);
  }
  return hours;
}

/**
 * Reads what a predicting service's decisions need this hour, once an hour per container: the
 * rolled-up hours in one BatchGetItem (per 100 hours); and when some are not rolled up (the first
 * day of a prediction, or of a new load key) but still within the minute buckets' retention,
 * those buckets, in one query per shard.
 */
export async function readPastLoads(app: Tide, svc: StoredService, policy: Policy, now: number): Promise<PastRead> {
  const hour = hourOf(now);
  const kept = pastReads.get(serviceId(svc));
  if (kept?.hour === hour) return kept;
  const asked = hoursToRead(policy, hour);
  const hours = await app.rollups.getHours(svc.namespace, svc.service, asked);
  const keys = loadRulesWithPrediction(policy).map(loadKey);
  const complete = new Set(hours.filter((h) => keys.every((k) => h.loads.has(k))).map((h) => h.hour));
  const bucketsFrom = now - app.config.retentionSeconds * 1000;
  const unrolled = asked.filter((h) => !complete.has(h) && h + HOUR_MS > bucketsFrom && h < hour);
  const metrics = [...new Set(loadRulesWithPrediction(policy).map((r) => r.metric))];
  const buckets =
    unrolled.length === 0
      ? []
      : await app.minutes.readService(svc.namespace, svc.service, metrics, Math.max(bucketsFrom, Math.min(...unrolled)), Math.max(...unrolled) + HOUR_MS - 1);
  const read = { hour, hours, unrolled, buckets };
  pastReads.set(serviceId(svc), read);
  return read;
}

/**
 * The past loads a decision reads: the rollups, and for an hour not rolled up, its buckets
 * rebuilt as the rollup would be, with the replicas and history the decision has.
 */
export function pastLoadsFrom(read: PastRead, policy: Policy, input: Omit<Parameters<typeof minuteLoads>[1], 'observations' | 'policy'> & { bucketMs: number }): PastLoads {
  const rolled = pastLoadsOf(read.hours);
  if (read.buckets.length === 0) return rolled;
  const observations = observationsFromBuckets(read.buckets, input.now, input.bucketMs);
  const rebuilt = pastLoadsOf(read.unrolled.map((h) => hourOfLoad(loadRulesWithPrediction(policy), { ...input, policy, observations }, h)));
  return { at: (key, minuteStart) => rolled.at(key, minuteStart) ?? rebuilt.at(key, minuteStart) };
}

/** Hours of load as the prediction reads them: the load of a key in a minute. */
export function pastLoadsOf(hours: readonly HourOfLoad[]): PastLoads {
  const byHour = new Map(hours.map((h) => [h.hour, h.loads]));
  return {
    at(key, minuteStart) {
      const hour = hourOf(minuteStart);
      return byHour.get(hour)?.get(key)?.[(minuteStart - hour) / 60_000];
    },
  };
}
