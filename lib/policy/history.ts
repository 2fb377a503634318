import type { Rule } from './schema';

/**
 * How much decision history a service keeps for stabilization windows, rate-limit periods,
 * cooldowns and the readiness delay: the last hour, at most 120 entries. The evaluator and the
 * backtest keep the same, and the policy schema bounds those durations by it.
 */
export const HISTORY_MS = 60 * 60 * 1000;
export const HISTORY_ENTRIES = 120;

export function keepRecent<T extends { ts: number }>(entries: readonly T[], now: number): T[] {
  return entries.filter((e) => e.ts > now - HISTORY_MS).slice(-HISTORY_ENTRIES);
}

/** The windows a rule reads its metric over. */
export function ruleWindows(rule: Rule): string[] {
  return rule.type === 'threshold' ? [rule.outDuration, rule.inDuration] : [rule.window];
}
