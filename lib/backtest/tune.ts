import { formatDuration } from '../duration';
import { HISTORY_MS, POLICY_DEFAULTS, policySchemaWithin, type PolicyBounds, type PolicyInput } from '../policy';
import type { BacktestPolicy } from './policyFile';
import { runBacktest } from './run';

/** The three figures a tuned policy is judged on. */
export interface Figures {
  replicaMinutes: number;
  minutesOverloaded: number;
  scalingActions: number;
}

/** The load rule's parameters the search moves, and the policy's scale-in stabilization. */
interface Candidate {
  target: number;
  outWindow: string;
  overshoot: number;
  inWindow: string;
  inPercentile: number;
  hold: string;
  scaleInGap: string;
  hysteresis: number;
  scaleInStabilization: string;
}

/**
 * The values tried for each parameter, one parameter at a time. Targets are per replica of
 * cpu_ratio load (100 = one replica at full CPU): above 100 only a burst's first minutes would
 * be served, so the grid stops at 100.
 */
const GRID: { [K in keyof Candidate]: readonly Candidate[K][] } = {
  target: [70, 78, 85, 90, 96, 100],
  inPercentile: [80, 90, 95, 98],
  inWindow: ['20m', '30m', '45m', '60m', '90m'],
  outWindow: ['1m', '2m', '3m', '5m'],
  hysteresis: [0, 0.1, 0.15, 0.25],
  hold: ['0s', '5m', '10m', '20m'],
  scaleInGap: ['0s', '5m', '10m', '20m'],
  overshoot: [0, 0.1, 0.2],
  scaleInStabilization: ['0s', '5m'],
};

/** At most this many policies are replayed on the tuning half: about 2 minutes on NASA's 42,000 minutes. */
export const MAX_CANDIDATES = 100;

/** The load rule's defaults, with examples/policy-load.json's target and stabilization: where the search starts. */
const { outWindow, overshoot, inWindow, inPercentile, hold, scaleInGap, hysteresis } = POLICY_DEFAULTS.load;
const START: Candidate = { target: 96, outWindow, overshoot, inWindow, inPercentile, hold, scaleInGap, hysteresis, scaleInStabilization: '0s' };

export interface TuneOptions {
  /** Today's policy on the same service: the tuned one must not be short of capacity, nor scale, more often. */
  baseline: BacktestPolicy;
  capacity: number;
  startupDelayMs: number;
  bounds: PolicyBounds;
}

export interface TuneResult {
  /** The tuned policy as `--policy` reads it: the baseline's min and max, one load rule. */
  policy: { min: number; max: number; policy: PolicyInput };
  /** Whether the tuned policy matched the baseline's overloaded minutes and actions on the tuning half; if not, it came closest. */
  meetsBaseline: boolean;
  candidates: number;
  tuningMinutes: number;
  holdoutMinutes: number;
  /** Baseline and tuned side by side: on the half tuned on, on the half it never saw, and on the whole trace. */
  tuning: { baseline: Figures; tuned: Figures };
  holdout: { baseline: Figures; tuned: Figures };
  wholeTrace: { baseline: Figures; tuned: Figures };
}

/**
 * Searches the load rule's parameters on the first half of a trace for the fewest replica-minutes
 * with no more overloaded minutes and no more scaling actions than the baseline, then replays
 * both policies on the second half, which the search never saw: a tuned policy that only fits
 * its own data shows it there.
 *
 * The search is coordinate descent over GRID from the rule's defaults: each pass tries every
 * value of one parameter at a time, keeping any that scores better, until a pass changes nothing
 * or MAX_CANDIDATES policies were replayed. No randomness: the same trace gives the same policy.
 */
export function tunePolicy(trace: readonly number[], options: TuneOptions): TuneResult {
  const { baseline, capacity, startupDelayMs, bounds } = options;
  if (trace.length < 2) throw new RangeError('the trace needs at least 2 minutes: one half to tune on, one to check');
  const split = Math.ceil(trace.length / 2);
  const halves = { tuning: trace.slice(0, split), holdout: trace.slice(split) };
  const schema = policySchemaWithin(bounds);
  const figures = (minutes: readonly number[], p: BacktestPolicy): Figures => {
    const { summary } = runBacktest(minutes, { ...p, capacity, startupDelayMs });
    return { replicaMinutes: summary.replicaMinutes, minutesOverloaded: summary.minutesOverloaded, scalingActions: summary.scalingActions };
  };
  // A rule's readiness follows the replicas' own start-up, as docs/BACKTEST.md advises.
  const readinessDelay = formatDuration(Math.min(startupDelayMs, HISTORY_MS));
  const toPolicy = (c: Candidate): TuneResult['policy'] => {
    const { scaleInStabilization, ...rule } = c;
    return {
      min: baseline.min,
      max: baseline.max,
      policy: { rules: [{ type: 'load', metric: 'cpu_ratio', ...rule }], stabilization: { scaleIn: scaleInStabilization }, readinessDelay },
    };
  };
  const parsed = (c: Candidate): BacktestPolicy => {
    const { min, max, policy } = toPolicy(c);
    return { min, max, policy: schema.parse(policy) };
  };

  const base = figures(halves.tuning, baseline);
  // How far past the baseline's overloads and actions, as fractions of them; 0 when within both.
  const excess = (f: Figures): number =>
    Math.max(0, f.minutesOverloaded - base.minutesOverloaded) / Math.max(1, base.minutesOverloaded) +
    Math.max(0, f.scalingActions - base.scalingActions) / Math.max(1, base.scalingActions);
  const better = (a: Figures, b: Figures): boolean => {
    const [ea, eb] = [excess(a), excess(b)];
    if (ea !== eb) return ea < eb;
    if (a.replicaMinutes !== b.replicaMinutes) return a.replicaMinutes < b.replicaMinutes;
    return a.minutesOverloaded + a.scalingActions < b.minutesOverloaded + b.scalingActions;
  };

  const tried = new Set<string>();
  let best = START;
  let bestFigures = figures(halves.tuning, parsed(best));
  tried.add(JSON.stringify(best));
  for (let changed = true; changed && tried.size < MAX_CANDIDATES; ) {
    changed = false;
    for (const [name, values] of Object.entries(GRID) as [keyof Candidate, readonly (string | number)[]][]) {
      for (const value of values) {
        const candidate = { ...best, [name]: value } as Candidate;
        const key = JSON.stringify(candidate);
        if (tried.has(key) || tried.size >= MAX_CANDIDATES) continue;
        tried.add(key);
        const f = figures(halves.tuning, parsed(candidate));
        if (better(f, bestFigures)) [best, bestFigures, changed] = [candidate, f, true];
      }
    }
  }

  const tuned = parsed(best);
  const both = (minutes: readonly number[]) => ({ baseline: figures(minutes, baseline), tuned: figures(minutes, tuned) });
  return {
    policy: toPolicy(best),
    meetsBaseline: excess(bestFigures) === 0,
    candidates: tried.size,
    tuningMinutes: halves.tuning.length,
    holdoutMinutes: halves.holdout.length,
    tuning: { baseline: base, tuned: bestFigures },
    holdout: both(halves.holdout),
    wholeTrace: both(trace),
  };
}
