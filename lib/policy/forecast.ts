import type { Prediction } from './schema';
import type { BucketValue, PastLoads } from './types';

// A load rule's forecast of its load over the next minutes, from the load of past days (PastLoads)
// and today's recent minutes (the current buckets). Pure: `now` is given, nothing is stored, so the
// evaluator and the backtest forecast alike from the same loads.

export const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Yesterday's minutes are smoothed over this many minutes either side: its noise and one-off spikes are not today's floor. */
const SMOOTHING_MINUTES = 5;
/** Today's level against yesterday's is clamped to this range: a quiet or a busy hour is not a new day. */
const SCALE_RANGE = [0.5, 2] as const;
/** The margin never adds more than this to the forecast. */
const MAX_MARGIN = 0.5;
/**
 * A burst is a minute above the median of the minutes before it by at least half a replica's load
 * (half the rule's target), and by this many times their median distance from that median: on
 * noisy traffic a minute well above the last few is common, and it must not be taken for a habit.
 */
const BURST_MIN_TARGETS = 0.5;
const BURST_SPREADS = 5;
/** The minutes before a minute that tell its usual load. */
const BASELINE_MINUTES = 15;

export interface ForecastInput {
  prediction: Prediction;
  /** The rule's load key (loadKey). */
  key: string;
  pastLoads: PastLoads | undefined;
  /** Today's load in each minute of the rule's inWindow, oldest first: what the rule reads. */
  recent: readonly BucketValue[];
  /** The load one replica should carry. */
  target: number;
  lookAheadMs: number;
  now: number;
}

export interface Forecast {
  /** The highest load expected over [now, now + lookAhead], margin included; null when there was nothing to forecast from. */
  load: number | null;
  /** What the load rests on ("seasonal: yesterday ×1.1, margin 8%"), or why there is none. */
  basis: string;
  /** The seasonal floor's load, before the margin; absent when off or without yesterday. */
  seasonal?: number;
  /** A recurring burst's load, before the margin; absent when none recurs over the look-ahead. */
  burst?: number;
  /** How far today's minutes rose above the seasonal forecast of them, as a share of it. */
  margin: number;
}

const fmt = (n: number): string => String(Math.round(n * 10) / 10 || 0);
const percent = (share: number): string => `${Math.round(share * 100)}%`;
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 16);
const span = (from: number, to: number): string => (from === to ? clock(from) : `${clock(from)}–${clock(to)}`);
const defined = (values: ReadonlyArray<number | undefined>): number[] => values.filter((v): v is number => v !== undefined);

/**
 * The median of the first n numbers of `values`, sorted in place by insertion: the lists are 15
 * numbers at most, and a decision takes some 150 medians, so no copy and no comparator calls.
 */
function medianInPlace(values: number[], n: number): number | undefined {
  if (n === 0) return undefined;
  for (let i = 1; i < n; i++) {
    const v = values[i] as number;
    let j = i - 1;
    while (j >= 0 && (values[j] as number) > v) {
      values[j + 1] = values[j] as number;
      j--;
    }
    values[j + 1] = v;
  }
  const mid = n >> 1;
  return n % 2 === 1 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

const median = (values: readonly number[]): number | undefined => medianInPlace([...values], values.length);

/**
 * The forecast load of the minutes from now to now + lookAhead: the higher of
 *
 * - the seasonal floor: the same minutes yesterday (each the median of the 11 minutes around it),
 *   scaled by today's level against yesterday's (the sum of the recent minutes over the same
 *   minutes yesterday, clamped to ×0.5–×2);
 * - a recurring burst: a minute that, on at least recurOn of the last `days` days, rose above the
 *   median of its 15 minutes before by half a target and by 5 times their spread (median absolute
 *   deviation); expected today as today's median of the last 15 minutes plus the median of those
 *   days' rises;
 *
 * times 1 + a margin: how much today's recent minutes rose above the seasonal forecast of them
 * (Σ of the shortfalls over Σ of the forecast, at most 50 %). No past load: no forecast, and the
 * basis says what was missing.
 */
export function forecast(input: ForecastInput): Forecast {
  const { prediction, key, pastLoads, recent, now } = input;
  const first = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const last = Math.floor((now + input.lookAheadMs) / MINUTE_MS) * MINUTE_MS;
  const ahead: number[] = [];
  for (let t = first; t <= last; t += MINUTE_MS) ahead.push(t);
  const at = (t: number): number | undefined => pastLoads?.at(key, t);

  const yesterday = seasonalModel(at, recent, first, last);
  const margin = yesterday?.margin ?? 0;
  const notes: string[] = [];

  let seasonal: number | undefined;
  if (prediction.seasonal) {
    const loads = yesterday ? defined(ahead.map(yesterday.forecastAt)) : [];
    if (loads.length > 0) seasonal = Math.max(...loads);
    else notes.push(`no load kept for yesterday at ${span(first, last)}`);
  }

  let burst: { load: number; minute: number; on: number; rise: number } | undefined;
  if (prediction.bursts) {
    const todayBase = median(recent.slice(-BASELINE_MINUTES).map((b) => b.value));
    let seen = false;
    for (const t of ahead) {
      const habit = recurringBurst(at, t, prediction, input.target);
      seen ||= habit.seen;
      if (habit.rise === undefined || todayBase === undefined) continue;
      const load = todayBase + habit.rise;
      if (!burst || load > burst.load) burst = { load, minute: t, on: habit.on, rise: habit.rise };
    }
    if (!burst) notes.push(seen ? `no burst recurred at ${span(first, last)} on ${prediction.recurOn} of the last ${prediction.days} days` : `no load kept for the last ${prediction.days} days at ${span(first, last)}`);
  }

  const marginText = yesterday ? `margin ${percent(margin)}` : 'no margin: no load kept for yesterday';
  const parts = { margin, ...(seasonal === undefined ? {} : { seasonal }), ...(burst === undefined ? {} : { burst: burst.load }) };
  if (burst && (seasonal === undefined || burst.load > seasonal)) {
    const basis = `burst at ${clock(burst.minute)} on ${burst.on} of the last ${prediction.days} days, +${fmt(burst.rise)}; ${marginText}`;
    return { load: burst.load * (1 + margin), basis, ...parts };
  }
  if (seasonal !== undefined && yesterday) {
    return { load: seasonal * (1 + margin), basis: `seasonal, yesterday ×${yesterday.scale.toFixed(2)}, ${marginText}`, ...parts };
  }
  return { load: null, basis: notes.join('; '), margin };
}

interface SeasonalModel {
  /** Today's level against yesterday's. */
  scale: number;
  margin: number;
  /** The seasonal forecast of a minute: yesterday's smoothed load there, scaled. */
  forecastAt(t: number): number | undefined;
}

/** Yesterday's load around the recent minutes and the look-ahead, scaled to today; undefined when yesterday's same recent minutes were not kept. */
function seasonalModel(at: (t: number) => number | undefined, recent: readonly BucketValue[], first: number, last: number): SeasonalModel | undefined {
  const from = Math.min(first, recent[0]?.start ?? first) - SMOOTHING_MINUTES * MINUTE_MS;
  const to = last + SMOOTHING_MINUTES * MINUTE_MS;
  // Yesterday's minutes read once, then smoothed: a window's median per minute.
  const kept: Array<number | undefined> = [];
  for (let t = from; t <= to; t += MINUTE_MS) kept.push(at(t - DAY_MS));
  const index = (t: number) => Math.round((t - from) / MINUTE_MS);
  const around: number[] = [];
  const smoothed = (t: number): number | undefined => {
    const i = index(t);
    let n = 0;
    for (let k = Math.max(0, i - SMOOTHING_MINUTES); k <= Math.min(kept.length - 1, i + SMOOTHING_MINUTES); k++) {
      const v = kept[k];
      if (v !== undefined) around[n++] = v;
    }
    return medianInPlace(around, n);
  };

  let today = 0;
  let then = 0;
  let pairs = 0;
  for (const b of recent) {
    const past = kept[index(b.start)];
    if (past === undefined) continue;
    today += b.value;
    then += past;
    pairs++;
  }
  if (pairs === 0) return undefined;
  const scale = then > 0 ? Math.min(SCALE_RANGE[1], Math.max(SCALE_RANGE[0], today / then)) : 1;
  const forecastAt = (t: number): number | undefined => {
    const s = smoothed(t);
    return s === undefined ? undefined : s * scale;
  };

  let shortfall = 0;
  let expected = 0;
  for (const b of recent) {
    const f = forecastAt(b.start);
    if (f === undefined) continue;
    expected += f;
    shortfall += Math.max(0, b.value - f);
  }
  return { scale, margin: expected > 0 ? Math.min(MAX_MARGIN, shortfall / expected) : 0, forecastAt };
}

/**
 * Whether minute `t` of the day held a burst on at least recurOn of the last `days` days, and if
 * so the median rise of those bursts over the minutes before them. `seen`: some day had a load there.
 */
function recurringBurst(at: (t: number) => number | undefined, t: number, prediction: Prediction, target: number): { seen: boolean; on: number; rise?: number } {
  const rises: number[] = [];
  const before: number[] = [];
  let seen = false;
  for (let d = 1; d <= prediction.days; d++) {
    // Too few days left to reach recurOn: no need to read them.
    if (rises.length + prediction.days - d + 1 < prediction.recurOn) break;
    const minute = t - d * DAY_MS;
    const load = at(minute);
    if (load === undefined) continue;
    seen = true;
    if (load < BURST_MIN_TARGETS * target) continue;
    let n = 0;
    for (let k = 1; k <= BASELINE_MINUTES; k++) {
      const v = at(minute - k * MINUTE_MS);
      if (v !== undefined) before[n++] = v;
    }
    const base = medianInPlace(before, n);
    if (base === undefined) continue;
    const rise = load - base;
    for (let k = 0; k < n; k++) before[k] = Math.abs((before[k] as number) - base);
    const spread = medianInPlace(before, n) as number;
    if (rise >= BURST_MIN_TARGETS * target && rise >= BURST_SPREADS * spread) rises.push(rise);
  }
  const rise = rises.length >= prediction.recurOn ? median(rises) : undefined;
  return { seen, on: rises.length, ...(rise === undefined ? {} : { rise }) };
}
