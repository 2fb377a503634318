import { formatDuration, parseDuration } from '../duration';
import { forecast } from './forecast';
import type { ScalingRecord } from './history';
import { loadKey } from './pastLoad';
import { bucketLoads } from './readiness';
import type { LoadRule } from './schema';
import type { BucketValue, PastLoads, RuleResult } from './types';

/** What a load rule reads besides the current replicas: per-bucket values, the scalings, the time. */
export interface LoadContext {
  /** The rule statistic's value in each bucket of a window (a duration string), oldest first. */
  buckets(metric: string, statistic: LoadRule['statistic'], window: string): BucketValue[];
  /** Keeps a reading in the decision's metrics. */
  record(key: string, value: number): void;
  scalings: readonly ScalingRecord[];
  readinessDelayMs: number;
  /** Past days' load, for a rule with a prediction. */
  pastLoads?: PastLoads;
  now: number;
}

// Same slack as rules.ts: 3 × 0.2 / 0.1 must not ask for a 7th replica.
const EPSILON = 1e-9;
const ceil = (x: number): number => Math.ceil(x - EPSILON);
const fmt = (n: number): string => String(Math.round(n * 10) / 10 || 0);
const tidy = (duration: string): string => formatDuration(parseDuration(duration));
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * The replicas a load needs at a target, and how: ceil(r + noiseHeadroom × √r) for r = load ×
 * (1 + overshoot) / target. Random arrivals vary by about the square root of their count, so a
 * small service needs relatively more spare than a large one (square-root staffing).
 */
function needs(load: number, target: number, overshoot: number, noiseHeadroom = 0): { replicas: number; text: string } {
  const r = (load * (1 + overshoot)) / target;
  const quotient = `${fmt(load)}${overshoot > 0 ? ` × ${fmt(1 + overshoot)}` : ''} / ${fmt(target)}`;
  if (noiseHeadroom === 0) return { replicas: ceil(r), text: `ceil(${quotient})` };
  return { replicas: ceil(r + noiseHeadroom * Math.sqrt(r)), text: `ceil(${quotient} + ${fmt(noiseHeadroom)} × √(${quotient}))` };
}

/** The last scaling in a direction, or -Infinity. */
function lastScaling(scalings: readonly ScalingRecord[], out: boolean): number {
  return scalings.reduce((ts, s) => ((out ? s.to > s.from : s.to < s.from) ? Math.max(ts, s.ts) : ts), -Infinity);
}

/**
 * Sizes the service to its load, quickly up and slowly down.
 *
 * The load of a bucket is the statistic's value; with perReplica, that value times the replicas
 * ready in that bucket (cpu_ratio 60 on 3 ready replicas is a load of 180, which 3 replicas carry
 * at a target of 60). Replicas still starting carry nothing yet, so they never inflate the load.
 * With no replica ready the value is read as the load one replica would carry, as the target
 * rule reads it at 0 replicas.
 *
 * - Out: at once, to ceil(peak × (1 + overshoot) / target), the peak being the highest bucket
 *   load in outWindow; with noiseHeadroom, ceil(r + noiseHeadroom × √r) for r that quotient,
 *   here and wherever the rule sizes (needs).
 * - In: only when no scale-out happened within `hold` and no scale-in within `scaleInGap`, and
 *   only to what the inPercentile-th bucket load of inWindow needs at (1 − hysteresis) × target,
 *   never below what the peak of outWindow needs. A percentile of a long window lets one spike
 *   pass (the maximum would not) while the service's ordinary busy minutes still count; the
 *   hysteresis band keeps the replicas it leaves below target, so the next ordinary minute does
 *   not scale out again.
 * - With a prediction: never below what the load forecast over the look-ahead needs (forecast.ts),
 *   so replicas are ready when a daily peak or a recurring burst arrives.
 */
export function loadRule(rule: LoadRule, current: number, ctx: LoadContext): RuleResult {
  const result = reactive(rule, current, ctx);
  return rule.prediction && result.value !== null ? predicted(rule, rule.prediction, result, current, ctx) : result;
}

/**
 * The rule's proposal with its forecast as a floor (forecast.ts): a forecast only ever adds
 * replicas. In forecastOnly mode the proposal stays the rule's own and the forecast is recorded.
 */
function predicted(rule: LoadRule, prediction: NonNullable<LoadRule['prediction']>, result: RuleResult, current: number, ctx: LoadContext): RuleResult {
  const lookAheadMs = prediction.lookAhead === undefined ? ctx.readinessDelayMs : parseDuration(prediction.lookAhead);
  const expected = forecast({
    prediction,
    key: loadKey(rule),
    pastLoads: ctx.pastLoads,
    recent: bucketLoads(rule, ctx.buckets(rule.metric, rule.statistic, rule.inWindow), current, ctx),
    target: rule.target,
    lookAheadMs,
    now: ctx.now,
  });
  if (expected.load === null) return { ...result, explanation: `${result.explanation}; no forecast: ${expected.basis}` };

  ctx.record(`${rule.metric}.${rule.statistic}.forecastLoad`, expected.load);
  const { replicas } = needs(expected.load, rule.target, 0, rule.noiseHeadroom);
  const acting = prediction.mode === 'act';
  const { basis, load, margin, seasonal, burst } = expected;
  const record = { replicas, load, acting, lookAhead: formatDuration(lookAheadMs), margin, ...(seasonal === undefined ? {} : { seasonal }), ...(burst === undefined ? {} : { burst }) };
  const text = `forecast ${fmt(load)} (${basis}) needs ${replicas}`;
  const proposal = result.proposal ?? current;
  if (!acting) return { ...result, forecast: record, explanation: `${result.explanation}; ${text} (forecast only, not applied)` };
  if (replicas <= proposal) return { ...result, forecast: record, explanation: `${result.explanation}; ${text}` };
  return { ...result, proposal: replicas, forecast: record, explanation: `${result.explanation}; ${text} → ${replicas}` };
}

/** The rule's proposal from the load already seen. */
function reactive(rule: LoadRule, current: number, ctx: LoadContext): RuleResult {
  const { type, metric, statistic, outWindow, inWindow, target, overshoot } = rule;
  const base = { type, metric, statistic };
  const loads = (window: string) => bucketLoads(rule, ctx.buckets(metric, statistic, window), current, ctx).map((b) => b.value);
  const what = rule.perReplica ? `load (${metric} ${statistic} × ready replicas)` : `load (${metric} ${statistic})`;

  const recent = loads(outWindow);
  if (recent.length === 0) {
    return { ...base, window: outWindow, value: null, proposal: current, explanation: `no data for ${metric} in ${outWindow}: no scale-in` };
  }
  const peak = Math.max(...recent);
  ctx.record(`${metric}.${statistic}.${tidy(outWindow)}.peakLoad`, peak);
  const out = needs(peak, target, overshoot, rule.noiseHeadroom);
  const forPeak = out.replicas;
  const peakText = `peak ${what} ${fmt(peak)} in ${outWindow}`;

  if (forPeak > current) {
    return {
      ...base,
      window: outWindow,
      value: peak,
      proposal: forPeak,
      explanation: `${peakText}; ${out.text} → ${forPeak}`,
    };
  }
  const held = (why: string): RuleResult => ({ ...base, window: outWindow, value: peak, proposal: current, explanation: `${peakText} needs ${forPeak}; ${why}` });

  const lastOut = lastScaling(ctx.scalings, true);
  if (ctx.now < lastOut + parseDuration(rule.hold)) return held(`no scale-in within ${tidy(rule.hold)} of the scale-out at ${isoSeconds(lastOut)}`);
  const lastIn = lastScaling(ctx.scalings, false);
  if (ctx.now < lastIn + parseDuration(rule.scaleInGap)) return held(`no scale-in within ${tidy(rule.scaleInGap)} of the scale-in at ${isoSeconds(lastIn)}`);

  const low = percentile(loads(inWindow), rule.inPercentile);
  ctx.record(`${metric}.${statistic}.${tidy(inWindow)}.p${fmt(rule.inPercentile)}Load`, low);
  const lowTarget = target * (1 - rule.hysteresis);
  const inSize = needs(low, lowTarget, overshoot, rule.noiseHeadroom);
  const forLow = inSize.replicas;
  const lowText = `p${fmt(rule.inPercentile)} ${what} ${fmt(low)} in ${inWindow} needs ${inSize.text} = ${forLow}`;
  const proposal = Math.max(forLow, forPeak);
  if (proposal >= current) return held(`${lowText}: no scale-in`);
  return {
    ...base,
    window: inWindow,
    value: low,
    proposal,
    explanation: proposal === forLow ? `${lowText} → ${proposal}` : `${lowText}; ${peakText} needs ${forPeak} → ${proposal}`,
  };
}
