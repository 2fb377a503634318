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

/** The load rule's parameters the search moves, its prediction on or off, and the policy's scale-in stabilization and readinessDelay. */
interface Candidate {
  target: number;
  outWindow: string;
  inWindow: string;
  inPercentile: number;
  hold: string;
  scaleInGap: string;
  hysteresis: number;
  /** The rule's prediction with its defaults (a seasonal floor and recurring bursts, acting), or none. */
  prediction: boolean;
  scaleInStabilization: string;
  readinessDelay: string;
}

/**
 * The values tried for each parameter, in the order a neighbour step walks them. Targets are per
 * replica of cpu_ratio load (100 = one replica at full CPU): above 100 only a burst's first
 * minutes would be served, so the grid stops at 100. Overshoot is left at 0: on one rule it
 * scales both directions as a lower target does.
 */
const GRID: { [K in keyof Candidate]: readonly Candidate[K][] } = {
  target: [60, 65, 70, 75, 80, 84, 88, 90, 92, 94, 96, 98, 100],
  hysteresis: [0, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4],
  inPercentile: [75, 80, 85, 88, 90, 92, 95, 97, 98, 99],
  inWindow: ['15m', '20m', '30m', '45m', '60m', '90m', '120m'],
  hold: ['0s', '2m', '5m', '10m', '15m', '20m', '30m'],
  scaleInGap: ['0s', '2m', '5m', '10m', '15m', '20m', '30m'],
  outWindow: ['1m', '2m', '3m', '5m'],
  scaleInStabilization: ['0s', '2m', '5m', '10m'],
  prediction: [false, true],
  readinessDelay: ['0s', '1m', '2m', '3m', '4m', '5m', '10m'],
};

/**
 * Where the search starts: the load rule's defaults with scale-in stabilization off (the rule
 * paces its own scale-ins) and readinessDelay the replicas' start-up, as docs/BACKTEST.md
 * advises; a cheaper and a safer corner; and one that scales in rarely. Descent goes on from the
 * best of them, so a trace far from the defaults is not left in the first local minimum near them.
 */
function starts(startupDelayMs: number): Candidate[] {
  const { outWindow, inWindow, inPercentile, hold, scaleInGap, hysteresis } = POLICY_DEFAULTS.load;
  const readinessDelay = formatDuration(Math.min(startupDelayMs, HISTORY_MS));
  const defaults: Candidate = { target: 96, outWindow, inWindow, inPercentile, hold, scaleInGap, hysteresis, prediction: false, scaleInStabilization: '0s', readinessDelay };
  return [
    defaults,
    { ...defaults, target: 100, inWindow: '30m', inPercentile: 90, hold: '5m', scaleInGap: '0s' },
    { ...defaults, target: 80, inPercentile: 98, hysteresis: 0.25 },
    { ...defaults, target: 92, inWindow: '90m', hold: '20m', scaleInGap: '15m' },
  ];
}

/** At most this many policies are replayed on the tuning half: under 3 minutes on NASA's 42,000 minutes with 2 workers. */
export const MAX_CANDIDATES = 200;

/**
 * What one scaling action costs in the search, in replica-minutes, unless told: churn is worth
 * avoiding even within the baseline's count, so a policy that saves a few replica-minutes with
 * many more actions does not win.
 */
export const DEFAULT_ACTION_COST = 10;

export interface TuneOptions {
  /** Today's policy on the same service: the tuned one must not be short of capacity, nor scale, more often. */
  baseline: BacktestPolicy;
  capacity: number;
  startupDelayMs: number;
  bounds: PolicyBounds;
  /** Replica-minutes one scaling action counts as in the search; default DEFAULT_ACTION_COST. */
  actionCost?: number;
  /** Policies replayed at most; default MAX_CANDIDATES. */
  maxCandidates?: number;
  /** Told after each batch of replays: how many so far, and the best figures on the tuning half. */
  progress?: (candidates: number, best: Figures) => void;
}

export interface TuneResult {
  /** The tuned policy as `--policy` reads it: the baseline's min and max, one load rule. */
  policy: { min: number; max: number; policy: PolicyInput };
  /** Whether the tuned policy matched the baseline's overloaded minutes and actions on the tuning half; if not, it came closest. */
  meetsBaseline: boolean;
  /** Replica-minutes each scaling action counted as in the search. */
  actionCost: number;
  candidates: number;
  tuningMinutes: number;
  holdoutMinutes: number;
  /** Baseline and tuned side by side: on the half tuned on, on the half it never saw, and on the whole trace. */
  tuning: { baseline: Figures; tuned: Figures };
  holdout: { baseline: Figures; tuned: Figures };
  wholeTrace: { baseline: Figures; tuned: Figures };
}

/** Replays policies on the tuning half, in order; one answer per policy. */
export type Replay = (policies: readonly BacktestPolicy[]) => Figures[];

/** Replays policies on the tuning half in some other thread or process. */
export type ParallelReplay = (policies: readonly BacktestPolicy[]) => Promise<Figures[]>;

/** A backtest's three figures for one policy on some minutes. */
export function replayFigures(minutes: readonly number[], p: BacktestPolicy, capacity: number, startupDelayMs: number): Figures {
  const { summary } = runBacktest(minutes, { ...p, capacity, startupDelayMs });
  return { replicaMinutes: summary.replicaMinutes, minutesOverloaded: summary.minutesOverloaded, scalingActions: summary.scalingActions };
}

/** The half a policy is tuned on: the first, with the odd minute. */
export const tuningHalf = (trace: readonly number[]): number[] => trace.slice(0, Math.ceil(trace.length / 2));

/**
 * Searches the load rule's parameters on the first half of a trace for the lowest cost, its
 * replica-minutes plus actionCost for each scaling action, with no more overloaded minutes and no
 * more scaling actions than the baseline; then replays both policies on the second half, which
 * the search never saw: a tuned policy that only fits its own data shows it there.
 *
 * The search replays a few starting points, then walks from the best: each step replays every
 * value of one parameter with the others held, and keeps the best (coordinate descent), until a
 * pass over all parameters changes nothing; then it tries each pair of neighbouring values of the
 * target and one other parameter, which moves a single parameter cannot reach, and walks on from
 * any better one. No randomness: the same trace gives the same policy.
 */
export function tunePolicy(trace: readonly number[], options: TuneOptions): TuneResult {
  const run = search(trace, options);
  const minutes = tuningHalf(trace);
  const replay: Replay = (policies) => policies.map((p) => replayFigures(minutes, p, options.capacity, options.startupDelayMs));
  let step = run.next();
  while (!step.done) step = run.next(replay(step.value));
  return step.value;
}

/** tunePolicy with the replays of each step spread over threads: the same answer, sooner. */
export async function tunePolicyInParallel(trace: readonly number[], options: TuneOptions, replay: ParallelReplay): Promise<TuneResult> {
  const run = search(trace, options);
  let step = run.next();
  while (!step.done) step = run.next(await replay(step.value));
  return step.value;
}

/** The search as a sequence of batches to replay on the tuning half; each answer decides the next batch. */
function* search(trace: readonly number[], options: TuneOptions): Generator<BacktestPolicy[], TuneResult, Figures[]> {
  const { baseline, capacity, startupDelayMs, bounds } = options;
  if (trace.length < 2) throw new RangeError('the trace needs at least 2 minutes: one half to tune on, one to check');
  const halves = { tuning: tuningHalf(trace), holdout: trace.slice(Math.ceil(trace.length / 2)) };
  const maxCandidates = options.maxCandidates ?? MAX_CANDIDATES;
  const actionCost = options.actionCost ?? DEFAULT_ACTION_COST;
  const schema = policySchemaWithin(bounds);
  const figures = (minutes: readonly number[], p: BacktestPolicy): Figures => replayFigures(minutes, p, capacity, startupDelayMs);

  const toPolicy = (c: Candidate): TuneResult['policy'] => {
    const { scaleInStabilization, prediction, readinessDelay, ...rule } = c;
    return {
      min: baseline.min,
      max: baseline.max,
      policy: {
        rules: [{ type: 'load', metric: 'cpu_ratio', ...rule, ...(prediction ? { prediction: {} } : {}) }],
        stabilization: { scaleIn: scaleInStabilization },
        readinessDelay,
      },
    };
  };
  const parsed = (c: Candidate): BacktestPolicy => {
    const { min, max, policy } = toPolicy(c);
    return { min, max, policy: schema.parse(policy) };
  };

  const base = figures(halves.tuning, baseline);
  // How far past the baseline's overloads and actions, as fractions of them; 0 when within both.
  const over = (f: Figures): number =>
    Math.max(0, f.minutesOverloaded - base.minutesOverloaded) / Math.max(1, base.minutesOverloaded) +
    Math.max(0, f.scalingActions - base.scalingActions) / Math.max(1, base.scalingActions);
  const cost = (f: Figures): number => f.replicaMinutes + actionCost * f.scalingActions;
  const better = (a: Figures, b: Figures): boolean => {
    for (const [x, y] of [[over(a), over(b)], [cost(a), cost(b)]] as const) {
      if (x !== y) return x < y;
    }
    return a.minutesOverloaded < b.minutesOverloaded;
  };

  const scored = new Map<string, Figures>();
  const first = starts(startupDelayMs);
  let best = first[0] as Candidate;
  let bestFigures: Figures | undefined;
  /** Replays the candidates not replayed yet, within the limit; true when one of them is the new best. */
  function* tryAll(candidates: readonly Candidate[]): Generator<BacktestPolicy[], boolean, Figures[]> {
    const fresh = new Map(candidates.map((c) => [JSON.stringify(c), c] as const).filter(([key]) => !scored.has(key)));
    const batch = [...fresh.values()].slice(0, Math.max(0, maxCandidates - scored.size));
    if (batch.length === 0) return false;
    const answers = yield batch.map(parsed);
    let improved = false;
    batch.forEach((c, i) => {
      const f = answers[i] as Figures;
      scored.set(JSON.stringify(c), f);
      if (bestFigures === undefined || better(f, bestFigures)) [best, bestFigures, improved] = [c, f, true];
    });
    options.progress?.(scored.size, bestFigures as Figures);
    return improved;
  }
  const params = Object.keys(GRID) as (keyof Candidate)[];
  const neighbours = (c: Candidate, name: keyof Candidate): Candidate[] => {
    const values = GRID[name] as readonly Candidate[keyof Candidate][];
    const at = values.indexOf(c[name]);
    return [values[at - 1], values[at + 1]].filter((v) => v !== undefined).map((v) => ({ ...c, [name]: v }));
  };

  yield* tryAll(first);
  for (let moved = true; moved && scored.size < maxCandidates; ) {
    for (let changed = true; changed && scored.size < maxCandidates; ) {
      changed = false;
      for (const name of params) {
        const values = GRID[name] as readonly Candidate[keyof Candidate][];
        if (yield* tryAll(values.map((v) => ({ ...best, [name]: v }) as Candidate))) changed = true;
      }
    }
    const pairs = params.filter((p) => p !== 'target').flatMap((name) => neighbours(best, 'target').flatMap((c) => neighbours(c, name)));
    moved = yield* tryAll(pairs);
  }

  const tuned = parsed(best);
  const both = (minutes: readonly number[]) => ({ baseline: figures(minutes, baseline), tuned: figures(minutes, tuned) });
  const tunedFigures = bestFigures as Figures;
  return {
    policy: toPolicy(best),
    meetsBaseline: over(tunedFigures) === 0,
    actionCost,
    candidates: scored.size,
    tuningMinutes: halves.tuning.length,
    holdoutMinutes: halves.holdout.length,
    tuning: { baseline: base, tuned: tunedFigures },
    holdout: both(halves.holdout),
    wholeTrace: both(trace),
  };
}
