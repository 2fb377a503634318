import type { Tide } from '../app';
import { logger } from '../observability';
import { loadKey, loadRulesWithPrediction, minuteLoads, policySchema, type LoadRule, type PastLoads, type Policy } from '../policy';
import { STATISTICS } from '../statistics';
import { HOUR_MS, ROLLUP_RETENTION_DAYS, type HourOfLoad } from '../store/rollups';
import type { StoredService } from '../store/services';

// A service's load past the minute buckets' retention: the evaluator rolls each hour up at the
// first tick after it (from the buckets that tick reads anyway, over a longer range), and reads
// the hours around now on each of the last 14 days back once an hour for the prediction.

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

/** The load `tide tune` replays, kept for any service that reports cpu_ratio: cpu_ratio's mean times the ready replicas, in percent of one replica's CPU. */
export const LOAD_KEY = 'cpu_ratio.mean*replicas';
const CPU_LOAD = (loadPolicyOf(LOAD_KEY) as Policy).rules[0] as LoadRule;

/** The loads a service's rollups keep, one rule per load key: each load rule's that predicts, and cpu_ratio's. */
export function rolledUpLoads(policy: Policy): LoadRule[] {
  return [...new Map([...loadRulesWithPrediction(policy), CPU_LOAD].map((rule) => [loadKey(rule), rule])).values()];
}

const serviceId = (svc: Pick<StoredService, 'namespace' | 'service'>) => `${svc.namespace}#${svc.service}`;
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
 * without any minute of data is left out. Buckets shorter than a minute are averaged into it.
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

/** Each service's past loads for the hour they were read in. */
const pastLoadsRead = new Map<string, { hour: number; pastLoads: PastLoads }>();

/**
 * The past loads a predicting service's decisions read this hour: the hour before, this hour and
 * the next on each of the last ROLLUP_RETENTION_DAYS days, in one BatchGetItem, kept in memory
 * until the hour is over.
 */
export async function pastLoadsFor(app: Tide, svc: StoredService, now: number): Promise<PastLoads> {
  const hour = hourOf(now);
  const kept = pastLoadsRead.get(serviceId(svc));
  if (kept?.hour === hour) return kept.pastLoads;
  const hours = Array.from({ length: ROLLUP_RETENTION_DAYS }, (_, d) => hour - (d + 1) * 24 * HOUR_MS).flatMap((h) => [h - HOUR_MS, h, h + HOUR_MS]);
  const pastLoads = pastLoadsOf(await app.rollups.getHours(svc.namespace, svc.service, hours));
  pastLoadsRead.set(serviceId(svc), { hour, pastLoads });
  return pastLoads;
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
