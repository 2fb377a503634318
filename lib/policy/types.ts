import type { Statistic } from '../statistics';
import type { History } from './history';
import type { Schedule } from './schedules';
import type { Policy, Rule } from './schema';

/** Metric readings over a window ending now. */
export interface Observations {
  /** The statistic of `metric` over the last `windowMs`; undefined when the window holds no samples. */
  value(metric: string, statistic: Statistic, windowMs: number): number | undefined;
  /**
   * The statistic of `metric` in each bucket the last `windowMs` overlaps, oldest first; buckets
   * without samples are left out. A percentile over a window is taken over these per-bucket
   * values (one a minute by default): a merged count/sum/min/max cannot give one.
   */
  buckets(metric: string, statistic: Statistic, windowMs: number): BucketValue[];
}

/**
 * A service's load in past minutes, by load key (pastLoad.ts): the evaluator reads it from hourly
 * rollups, the backtest keeps it from the trace it replays.
 */
export interface PastLoads {
  /** The load of `key` in the minute that starts at `minuteStart` (a multiple of 60,000); undefined when none was kept. */
  at(key: string, minuteStart: number): number | undefined;
}

/** One bucket's statistic: its start and end (epoch ms, end exclusive) and value. */
export interface BucketValue {
  start: number;
  end: number;
  value: number;
}

export interface DecisionInput {
  /** Parsed with policySchema, so every default is applied. */
  policy: Policy;
  min: number;
  max: number;
  currentReplicas: number;
  observations: Observations;
  history: History;
  /** The load of minutes past the metric buckets' retention, for load rules with a prediction; without it they forecast nothing and say so. */
  pastLoads?: PastLoads;
  /** The service's schedules: the one active at `now` replaces min and max (schedules.ts). */
  schedules?: readonly Schedule[];
  /** Epoch milliseconds; the engine never reads the clock. */
  now: number;
}

export interface RuleResult {
  type: Rule['type'];
  metric: string;
  statistic: Statistic;
  /** The window of the reading that decided the proposal. */
  window: string;
  /** That reading; null when the window held no data. */
  value: number | null;
  /**
   * The replicas this rule asks for. null when the rule abstains: a threshold rule without
   * scaleInBelow has no say on scale-in, so while its metric is below the line it leaves the
   * decision to the other rules instead of holding them at the current count.
   */
  proposal: number | null;
  explanation: string;
  /** A load rule's forecast, when it has a prediction and could forecast. */
  forecast?: ForecastRecord;
}

/** What a load rule's prediction expected and asked for, beside what the decision did. */
export interface ForecastRecord {
  /** The replicas the forecast load needs at the rule's target: a floor on the rule's proposal when acting. */
  replicas: number;
  /** The highest load expected over the look-ahead, margin included. */
  load: number;
  /** false in forecastOnly mode: recorded, never applied. */
  acting: boolean;
  /** How far ahead it looked, e.g. "1m". */
  lookAhead: string;
  /** The share added for recent forecast error, 0 to 0.5. */
  margin: number;
  /** The seasonal floor's load, before the margin. */
  seasonal?: number;
  /** A recurring burst's load, before the margin. */
  burst?: number;
}

export type Direction = 'out' | 'in' | 'none';

export interface Decision {
  /** When it was decided: the input's now. */
  ts: number;
  /** Desired replicas after stabilization, rate limits, cooldowns and min/max. */
  replicas: number;
  /** The rules' combined proposal, before any of those: what the history keeps as this decision's recommendation. */
  proposed: number;
  direction: Direction;
  /** e.g. "cpu_ratio mean 83.1 > 70 for 10m; +1 → 5; limited by max 4" */
  reason: string;
  /** The last stage that changed the replicas: stabilization, scaleOutLimit, scaleInLimit, cooldown, scaleToZero (held at 1 until idle long enough), max, min or schedule (an active schedule's bounds). */
  limitedBy?: string;
  rules: RuleResult[];
  /** Present when no rule had data: the history counts these for a missingMetrics fallback. */
  metricsMissing?: true;
  /** A load rule's forecast (the highest, with several), with `acting` false in forecastOnly mode. */
  forecast?: ForecastRecord;
  /** Readings the rules used, keyed metric.statistic.window, e.g. {"cpu_ratio.mean.10m": 83.1}. */
  metrics: Record<string, number>;
}
