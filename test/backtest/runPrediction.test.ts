import { describe, expect, it } from 'vitest';
import { runBacktest, type MinuteRow } from '../../lib/backtest';
import { policySchema } from '../../lib/policy';
import { generateTrace } from '../../scripts/traces';

const DAY = 1440;
const loadRule = (prediction?: Record<string, unknown>) =>
  policySchema.parse({ rules: [{ type: 'load', metric: 'cpu_ratio', target: 96, ...(prediction ? { prediction } : {}) }], stabilization: { scaleIn: '0s' } });
const replay = (trace: readonly number[], prediction?: Record<string, unknown>) =>
  runBacktest(trace, { policy: loadRule(prediction), min: 1, max: 100, capacity: 25, startupDelayMs: 60_000 });
const overloadedFrom = (series: readonly MinuteRow[], minute: number) => series.filter((r) => r.minute >= minute && r.overloaded).length;

describe('Function: runBacktest with a load rule that predicts', () => {
  // Six days of a daily cycle with bursts at the top of each daytime hour and a nightly batch at 02:00.
  const trace = generateTrace('bursts', { days: 6, seed: 1 });
  const without = replay(trace);
  const predicted = replay(trace, {});

  it('provisions the bursts that recur once it has seen them on 3 days, for a few more replica-minutes', () => {
    // The first three days teach it the bursts: until then it does as the rule alone.
    expect(overloadedFrom(predicted.series, 3 * DAY)).toBeLessThan(overloadedFrom(without.series, 3 * DAY) / 2);
    expect(predicted.summary.replicaMinutes).toBeLessThan(without.summary.replicaMinutes * 1.05);
    expect(predicted.series.slice(0, DAY)).toEqual(without.series.slice(0, DAY));
  });

  it('in forecastOnly mode replays exactly as without a prediction', () => {
    expect(replay(trace, { mode: 'forecastOnly' }).series).toEqual(without.series);
  });

  it('remembers a burst only while it recurred within the last `days` days', () => {
    // The same 09:00 burst on days 0 to 3, then none: remembered on day 4, not on day 6 with days 2 (recurOn 2).
    const burstDays = [0, 1, 2, 3];
    const quietThenBurst = Array.from({ length: 7 * DAY }, (_, m) => (m % DAY === 9 * 60 && burstDays.includes(Math.floor(m / DAY)) ? 400 : 40));
    const { series } = replay(quietThenBurst, { days: 2, recurOn: 2, seasonal: false });
    const before = (day: number) => series[day * DAY + 9 * 60 - 1] as MinuteRow;
    expect(before(3).desiredReplicas).toBeGreaterThan(before(1).desiredReplicas);
    expect(before(6).desiredReplicas).toBe(before(1).desiredReplicas);
  });
});
