import { formatDuration, parseDuration } from '../duration';
import { runsOf, type History } from './history';
import { fmt } from './rules';
import type { Policy, Rule } from './schema';
import type { RuleResult } from './types';

// Scaling to zero and back. At 0 replicas the agents report nothing, so only a rule reading the
// whole service's value from a source (a queue's depth: per "service") can see work arrive. The
// two moves have separate guards, as KEDA's: 0 → 1 only above an activation threshold, and
// 1 → 0 only after the rules have asked for 0 for a while (scaleToZero.after).

/** Whether a rule still reads a value while no replica runs. */
export function readsAtZero(rule: Pick<Rule, 'source' | 'per'>): boolean {
  return rule.source !== undefined && rule.per === 'service';
}

/**
 * At 0 replicas a rule's proposal to scale out stands only when its value is above its
 * activationThreshold (0 unless given); otherwise it asks for 0, so the service stays asleep and
 * the history records that the rules asked for nothing.
 */
export function wakeFromZero(rules: readonly Rule[], results: readonly RuleResult[]): RuleResult[] {
  return results.map((result, i) => {
    if (result.proposal === null || result.proposal <= 0 || result.value === null) return result;
    const activation = rules[i]?.activationThreshold ?? 0;
    const reading = `${result.metric} ${fmt(result.value)}`;
    if (result.value > activation) {
      return { ...result, explanation: `woke: ${reading} > activation ${fmt(activation)} → ${result.proposal} (${result.explanation})` };
    }
    return { ...result, proposal: 0, explanation: `asleep: ${reading} not above activation ${fmt(activation)}, stays at 0` };
  });
}

/** What the delay before 1 → 0 did: held the service at 1, or let it go to 0 and said why. */
export interface ZeroStage {
  replicas: number;
  note: string;
  /** Set when it held the replicas at 1. */
  limitedBy?: 'scaleToZero';
}

/**
 * With scaleToZero, a decision that would leave 0 replicas goes to 0 only once the rules have
 * asked for 0 for `after` without a break, counted from the service's last scale-out: a webhook
 * or an operator waking the service restarts the count. Until then the service keeps one replica.
 */
export function sleepAfterIdle(replicas: number, current: number, policy: Policy, history: History, results: readonly RuleResult[], now: number): ZeroStage | undefined {
  if (replicas > 0 || current === 0 || policy.scaleToZero === undefined) return undefined;
  const afterMs = parseDuration(policy.scaleToZero.after);
  // Whole seconds: evaluations land a few milliseconds apart, and the reason should read "idle 10m".
  const idleMs = Math.floor((now - idleSince(history, now)) / 1000) * 1000;
  const readings = results.flatMap((r) => (r.proposal === 0 && r.value !== null ? [`${r.metric} ${fmt(r.value)}`] : []));
  const why = readings.length > 0 ? ` (${readings.join(', ')})` : '';
  if (idleMs >= afterMs) return { replicas: 0, note: `idle ${formatDuration(idleMs)}${why}: → 0` };
  return { replicas: 1, limitedBy: 'scaleToZero', note: `idle ${formatDuration(idleMs)} of scaleToZero.after ${formatDuration(afterMs)}${why}: held at 1` };
}

/** When the rules started asking for 0 without a break (now, if the last recommendation was not 0), or the last scale-out if later. */
function idleSince({ recommendations, scalings }: History, now: number): number {
  let since = now;
  for (const r of runsOf(recommendations, now).reverse()) {
    if (r.replicas !== 0) break;
    since = r.first;
  }
  const lastOut = scalings.reduce((ts, s) => (s.to > s.from ? Math.max(ts, s.ts) : ts), -Infinity);
  return Math.max(since, lastOut);
}

/**
 * Why a service with these bounds would never wake once at 0, or undefined. With min 0, a rule
 * must still read a value while no replica runs, or a schedule must raise the replicas again: the
 * agents report from the replicas, so at 0 their metrics have no data and hold the service there.
 */
export function neverWakes(min: number, rules: readonly Rule[], schedules: ReadonlyArray<{ min?: number | undefined; replicas?: number | undefined }> = []): string | undefined {
  if (min > 0 || rules.length === 0 || rules.some(readsAtZero)) return undefined;
  if (schedules.some((s) => (s.min ?? 0) > 0 || (s.replicas ?? 0) > 0)) return undefined;
  return (
    'min 0 needs a rule that still reads a value at 0 replicas (a source with per "service", such as a queue\'s depth) or a schedule that raises min: ' +
    "the agents report from the replicas, so at 0 this policy's rules have no data and nothing would wake the service. Use min 1, or mode manual to wake it by webhooks only"
  );
}
