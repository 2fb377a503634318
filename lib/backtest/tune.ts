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
  noiseHeadroom: number;
  /** The rule's prediction with its defaults (a seasonal floor and recurring bursts, acting), or none. */
  prediction: boolean;
  scaleInStabilization: string;
  readinessDelay: string;
}

/**
 * The values tried for each parameter, in the order a neighbour step walks them. Targets are per
 * replica of cpu_ratio load (100 = one replica at full CPU): above 100 a replica is sized to
 * carry more than it can, which only noise headroom makes up for, so the grid goes on to 120 for
 * policies with it. Overshoot is left at 0: on one rule it scales both directions as a lower
 * target does.
 */
const GRID: { [K in keyof Candidate]: readonly Candidate[K][] } = {
  target: [60, 65, 70, 75, 80, 84, 88, 90, 92, 94, 96, 98, 100, 102, 104, 106, 108, 110, 112, 115, 120],
  hysteresis: [0, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4],
  noiseHeadroom: [0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5],
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
 * advises; a cheaper and a safer corner; one that scales in rarely; and one whose headroom is
 * noise headroom rather than a lower target, which single steps from the others do not reach
 * (more headroom alone costs replicas, a higher target alone overloads). Descent goes on from the
 * best of them, so a trace far from the defaults is not left in the first local minimum near them.
 */
function starts(startupDelayMs: number): Candidate[] {
  const { outWindow, inWindow, inPercentile, hold, scaleInGap, hysteresis } = POLICY_DEFAULTS.load;
  const readinessDelay = formatDuration(Math.min(startupDelayMs, HISTORY_MS));
  const defaults: Candidate = { target: 96, outWindow, inWindow, inPercentile, hold, scaleInGap, hysteresis, noiseHeadroom: 0, prediction: false, scaleInStabilization: '0s', readinessDelay };
  return [
    defaults,
    { ...defaults, target: 100, inWindow: '30m', inPercentile: 90, hold: '5m', scaleInGap: '0s' },
    { ...defaults, target: 80, inPercentile: 98, hysteresis: 0.25 },
    { ...defaults, target: 92, inWindow: '90m', hold: '20m', scaleInGap: '15m' },
    { ...defaults, target: 108, noiseHeadroom: 0.2 },
  ];
}

/**
 * At most this many policies are replayed in a search, a few minutes on 2 cores for NASA's 84,000
 * minutes, whose search converges sooner at start-up 60 s (174) and stops here at 3 min.
 */
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
  /** Tune on the first half only and check on the second, which the search never saw; default: tune on the whole trace. */
  holdout?: boolean;
  /** Replica-minutes one scaling action counts as in the search; default DEFAULT_ACTION_COST. */
  actionCost?: number;
  /** Policies replayed at most; default MAX_CANDIDATES. */
  maxCandidates?: number;
  /** Told after each batch of replays: how many so far, and the best figures on the minutes tuned on. */
  progress?: (candidates: number, best: Figures) => void;
}

/** Baseline and tuned side by side on some minutes of the trace. */
export interface Comparison {
  minutes: number;
  baseline: Figures;
  tuned: Figures;
}

export interface TuneResult {
  /** The minutes the search judged candidates on: the whole trace, or with holdout its first half. */
  tunedOn: 'whole trace' | 'first half';
  /** The tuned policy as `--policy` reads it: the baseline's min and max, one load rule. */
  policy: { min: number; max: number; policy: PolicyInput };
  /** Whether the tuned policy matched the baseline's overloaded minutes and actions on the minutes tuned on; if not, it came closest. */
  meetsBaseline: boolean;
  /** Replica-minutes each scaling action counted as in the search. */
  actionCost: number;
  candidates: number;
  wholeTrace: Comparison;
  /** Each half as information; with holdout, the second is the half the search never saw. */
  firstHalf: Comparison;
  secondHalf: Comparison;
}

/** One policy to replay on the trace's minutes from `from` up to `to`. */
export interface ReplayJob {
  policy: BacktestPolicy;
  from: number;
  to: number;
}

/** Replays jobs on the trace, in order; one answer per job. */
export type Replay = (jobs: readonly ReplayJob[]) => Figures[];

/** Replays jobs on the trace in some other thread or process. */
export type ParallelReplay = (jobs: readonly ReplayJob[]) => Promise<Figures[]>;

/** A backtest's three figures for one policy on some minutes. */
export function replayFigures(minutes: readonly number[], p: BacktestPolicy, capacity: number, startupDelayMs: number): Figures {
  const { summary } = runBacktest(minutes, { ...p, capacity, startupDelayMs });
  return { replicaMinutes: summary.replicaMinutes, minutesOverloaded: summary.minutesOverloaded, scalingActions: summary.scalingActions };
}

/** Where the second half starts: the first half has the odd minute. */
export const halfway = (trace: readonly unknown[]): number => Math.ceil(trace.length / 2);

/** A replay of one job on the trace, in this thread. */
export const replayJob = (trace: readonly number[], capacity: number, startupDelayMs: number) => (job: ReplayJob): Figures =>
  replayFigures(trace.slice(job.from, job.to), job.policy, capacity, startupDelayMs);

/**
 * Searches the load rule's parameters for the lowest cost, its replica-minutes plus actionCost for
 * each scaling action, with no more overloaded minutes and no more scaling actions than the
 * baseline on the same minutes: the whole trace, or with holdout its first half, after which both
 * policies replay on the second half, which the search never saw (a tuned policy that only fits
 * its own data shows it there). Either way it reports both policies on the whole trace and on each
 * half.
 *
 * The search replays a few starting points, then walks from the best: each step replays every
 * value of one parameter with the others held, and keeps the best (coordinate descent), until a
 * pass over all parameters changes nothing; then it tries each pair of neighbouring values of the
 * target and one other parameter, which moves a single parameter cannot reach, and walks on from
 * any better one. No randomness: the same trace gives the same policy.
 */
export function tunePolicy(trace: readonly number[], options: TuneOptions): TuneResult {
  const run = search(trace, options);
  const replay = replayJob(trace, options.capacity, options.startupDelayMs);
  let step = run.next();
  while (!step.done) step = run.next(step.value.map(replay));
  return step.value;
}

/** tunePolicy with the replays of each step spread over threads: the same answer, sooner. */
export async function tunePolicyInParallel(trace: readonly number[], options: TuneOptions, replay: ParallelReplay): Promise<TuneResult> {
  const run = search(trace, options);
  let step = run.next();
  while (!step.done) step = run.next(await replay(step.value));
  return step.value;
}

/** The search as a sequence of batches to replay; each answer decides the next batch. */
function* search(trace: readonly number[], options: TuneOptions): Generator<ReplayJob[], TuneResult, Figures[]> {
  const { baseline, startupDelayMs, bounds } = options;
  if (trace.length < 2) throw new RangeError('the trace needs at least 2 minutes, so that each half has one');
  const spans = { whole: { from: 0, to: trace.length }, first: { from: 0, to: halfway(trace) }, second: { from: halfway(trace), to: trace.length } };
  const tunedOn = options.holdout === true ? spans.first : spans.whole;
  const maxCandidates = options.maxCandidates ?? MAX_CANDIDATES;
  const actionCost = options.actionCost ?? DEFAULT_ACTION_COST;
  const schema = policySchemaWithin(bounds);

  const toPolicy = (c: Candidate): TuneResult['policy'] => {
    const { scaleInStabilization, prediction, readinessDelay, noiseHeadroom, ...rule } = c;
    return {
      min: baseline.min,
      max: baseline.max,
      policy: {
        rules: [{ type: 'load', metric: 'cpu_ratio', ...rule, ...(noiseHeadroom > 0 ? { noiseHeadroom } : {}), ...(prediction ? { prediction: {} } : {}) }],
        stabilization: { scaleIn: scaleInStabilization },
        readinessDelay,
      },
    };
  };
  const parsed = (c: Candidate): BacktestPolicy => {
    const { min, max, policy } = toPolicy(c);
    return { min, max, policy: schema.parse(policy) };
  };

  // The baseline replays with the first candidates.
  let base: Figures = { replicaMinutes: 0, minutesOverloaded: 0, scalingActions: 0 };
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
  /** Replays the candidates not replayed yet, within the limit, and `also` before them; true when a candidate is the new best. */
  function* tryAll(candidates: readonly Candidate[], also: readonly ReplayJob[] = []): Generator<ReplayJob[], boolean, Figures[]> {
    const fresh = new Map(candidates.map((c) => [JSON.stringify(c), c] as const).filter(([key]) => !scored.has(key)));
    const batch = [...fresh.values()].slice(0, Math.max(0, maxCandidates - scored.size));
    if (batch.length === 0 && also.length === 0) return false;
    const answers = yield [...also, ...batch.map((c) => ({ policy: parsed(c), ...tunedOn }))];
    if (also.length > 0) base = answers[0] as Figures;
    let improved = false;
    batch.forEach((c, i) => {
      const f = answers[also.length + i] as Figures;
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

  yield* tryAll(first, [{ policy: baseline, ...tunedOn }]);
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

  // Both policies on the whole trace and on each half, in one batch; the minutes tuned on are known already.
  const tuned = parsed(best);
  const report = Object.values(spans).flatMap((span) => [{ policy: baseline, ...span }, { policy: tuned, ...span }]);
  const known = (job: ReplayJob): Figures | undefined => (job.from !== tunedOn.from || job.to !== tunedOn.to ? undefined : job.policy === baseline ? base : bestFigures);
  const missing = report.filter((job) => known(job) === undefined);
  const answers = yield missing;
  const figures = report.map((job) => known(job) ?? (answers[missing.indexOf(job)] as Figures));
  const compare = (at: number, span: { from: number; to: number }): Comparison => ({ minutes: span.to - span.from, baseline: figures[2 * at] as Figures, tuned: figures[2 * at + 1] as Figures });
  return {
    tunedOn: options.holdout === true ? 'first half' : 'whole trace',
    policy: toPolicy(best),
    meetsBaseline: over(bestFigures as Figures) === 0,
    actionCost,
    candidates: scored.size,
    wholeTrace: compare(0, spans.whole),
    firstHalf: compare(1, spans.first),
    secondHalf: compare(2, spans.second),
  };
}
