import { describe, expect, it } from 'vitest';
import { runBacktest, type BacktestOptions, type MinuteRow } from '../../lib/backtest';
import { policySchema } from '../../lib/policy';

const TARGET_60 = policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] });
const THRESHOLD = policySchema.parse({
  rules: [{ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, outDuration: '1m', scaleInBelow: 30, inDuration: '5m' }],
});

/** A step: `before` minutes at `low`, `during` minutes at `high`, `after` minutes at `low`. */
const step = (low: number, high: number, before: number, during: number, after = 0): number[] => [
  ...Array<number>(before).fill(low),
  ...Array<number>(during).fill(high),
  ...Array<number>(after).fill(low),
];

// 10 requests a minute per replica, so 30 requests need 3 replicas at 100% CPU and 5 at 60%.
const options = (overrides: Partial<BacktestOptions>): BacktestOptions => ({ policy: TARGET_60, min: 1, max: 10, capacity: 10, ...overrides });

const column = <K extends keyof MinuteRow>(rows: readonly MinuteRow[], key: K): Array<MinuteRow[K]> => rows.map((r) => r[key]);

describe('Function: runBacktest', () => {
  it('a threshold rule adds a replica once the last one has had time to start, and stops where the load is under the line', () => {
    const { series, summary } = runBacktest(step(5, 30, 3, 8), options({ policy: THRESHOLD, startupDelayMs: 60_000 }));
    // Every other minute: the replica added a minute ago is still within readinessDelay, and counts toward the +1.
    expect(column(series, 'desiredReplicas')).toEqual([1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    expect(column(series, 'readyReplicas')).toEqual([1, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4]);
    // Minute 3 meets the step with 1 replica; 3 replicas (30 = 3 × 10) serve from minute 7. At 5 the load reads 60%, under 70.
    expect(column(series, 'overloaded')).toEqual([false, false, false, true, true, true, true, false, false, false, false]);
    expect(summary).toMatchObject({ minutesOverloaded: 4, loadAboveCapacity: 20 + 20 + 10 + 10, scaleOuts: 4, scaleIns: 0, scalingActions: 4, maxReplicas: 5 });
  });

  it('target tracking sizes a step in one evaluation when replicas serve at once', () => {
    const { series, summary } = runBacktest(step(5, 30, 3, 5), options({ startupDelayMs: 0 }));
    // 1 replica at 300% vs a 60% target: ceil(1 × 300 / 60) = 5, within the default +4 replicas a minute.
    expect(column(series, 'desiredReplicas')).toEqual([1, 1, 1, 1, 5, 5, 5, 5]);
    expect(column(series, 'readyReplicas')).toEqual([1, 1, 1, 1, 5, 5, 5, 5]);
    expect(column(series, 'cpuRatio')).toEqual([50, 50, 50, 300, 60, 60, 60, 60]);
    expect(summary.minutesOverloaded).toBe(1);
  });

  it('feeds the engine the replicas the platform runs and the cpu_ratio of the ready ones, as the evaluator does', () => {
    const { series } = runBacktest(step(5, 30, 3, 5), options({ startupDelayMs: 60_000 }));
    // Minute 4 asks for 5. At minute 5 the reading still comes from the 1 replica that served minute 4,
    // while the platform runs 5: the 4 added a minute ago are still starting (readinessDelay 1m), so
    // target tracking scales from the 1 ready replica, ceil(1 × 300 / 60) = 5, and holds at 5
    // instead of overshooting to ceil(5 × 300 / 60) = 25.
    expect(column(series, 'desiredReplicas')).toEqual([1, 1, 1, 1, 5, 5, 5, 5]);
    expect(column(series, 'readyReplicas')).toEqual([1, 1, 1, 1, 1, 5, 5, 5]);
  });

  it('scales in after the stabilization window and never below min', () => {
    const { series } = runBacktest(Array<number>(20).fill(0), options({ min: 2, initialReplicas: 6 }));
    expect(column(series, 'desiredReplicas')).toEqual([...Array<number>(5).fill(6), ...Array<number>(15).fill(2)]);
  });

  it('brings the initial replicas within min at the first evaluation', () => {
    const { series } = runBacktest([5, 5, 5], options({ min: 1, initialReplicas: 0, startupDelayMs: 60_000 }));
    expect(column(series, 'desiredReplicas')).toEqual([1, 1, 1]);
    expect(column(series, 'readyReplicas')).toEqual([0, 1, 1]);
    expect(column(series, 'overloaded')).toEqual([true, false, false]);
  });

  it('keeps an hour of recommendations, as the evaluator does: a 1h scale-in window, the longest there is, holds for the hour', () => {
    const policy = policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }], stabilization: { scaleIn: '1h' } });
    const { series } = runBacktest(step(30, 0, 3, 120), options({ policy, initialReplicas: 5 }));
    const desired = column(series, 'desiredReplicas');
    // Minute 2's 60% makes the last recommendation of 5, at minute 3; it leaves the window at minute 63.
    expect(desired.slice(0, 63)).toEqual(Array<number>(63).fill(5));
    expect(desired.slice(63)).toEqual(Array<number>(60).fill(1));
  });

  it('compares with a static fleet sized for the peak', () => {
    const { series, summary } = runBacktest(step(5, 30, 3, 5, 12), options({ startupDelayMs: 0 }));
    // Out to 5 for the step, back to 1 once the 5-minute scale-in stabilization has passed.
    expect(column(series, 'desiredReplicas')).toEqual([...Array<number>(4).fill(1), ...Array<number>(9).fill(5), ...Array<number>(7).fill(1)]);
    expect(summary).toMatchObject({
      minutes: 20,
      peakLoad: 30,
      replicaMinutes: 4 * 1 + 9 * 5 + 7 * 1,
      staticPeakReplicas: 3,
      staticReplicaMinutes: 3 * 20,
      replicaMinutesVsStatic: 0.933,
      // (3 × 5 + 5 × 30 + 12 × 5) requests over 3 replicas × 10 × 20 minutes.
      staticMeanCpuRatio: 37.5,
      capacity: 10,
      startupDelay: '0s',
    });
  });

  it('reports the mean and 95th percentile of the per-minute cpu_ratio', () => {
    const { summary } = runBacktest(Array<number>(20).fill(5), options({}));
    expect(summary).toMatchObject({ meanCpuRatio: 50, p95CpuRatio: 50, maxReplicas: 1, scalingActions: 0 });
  });
});
