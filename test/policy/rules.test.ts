import { describe, expect, it } from 'vitest';
import { decideCase } from './fixtures';

// Each rule alone, with rate limits off and no history, so the decision is exactly what the
// rule asked for.
const alone = (rule: Record<string, unknown>) => ({ rules: [rule], limits: { scaleOut: [], scaleIn: [] } });

const threshold = { type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, outDuration: '10m', scaleInBelow: 10, inDuration: '10m' } as const;

describe('threshold rule', () => {
  it.each([
    { name: 'above the line scales out by increaseBy', rule: threshold, current: 3, values: { 'cpu_ratio.mean.10m': 83.14159 }, replicas: 4, reason: 'cpu_ratio mean 83.1 > 70 for 10m; +1 → 4' },
    { name: 'below the line scales in by decreaseBy', rule: threshold, current: 3, values: { 'cpu_ratio.mean.10m': 4.96 }, replicas: 2, reason: 'cpu_ratio mean 5 < 10 for 10m; -1 → 2' },
    { name: 'between the lines holds', rule: threshold, current: 3, values: { 'cpu_ratio.mean.10m': 41.2 }, replicas: 3, reason: 'cpu_ratio mean 41.2 within 70/10' },
    { name: 'exactly on the out line holds (above means above)', rule: threshold, current: 3, values: { 'cpu_ratio.mean.10m': 70 }, replicas: 3, reason: 'cpu_ratio mean 70 within 70/10' },
    { name: 'exactly on the in line holds', rule: threshold, current: 3, values: { 'cpu_ratio.mean.10m': 10 }, replicas: 3, reason: 'cpu_ratio mean 10 within 70/10' },
    { name: 'increaseBy a percent rounds up', rule: { ...threshold, increaseBy: '50%' }, current: 3, values: { 'cpu_ratio.mean.10m': 90 }, replicas: 5, reason: 'cpu_ratio mean 90 > 70 for 10m; +2 → 5' },
    { name: 'a percent moves at least one replica', rule: { ...threshold, increaseBy: '10%' }, current: 2, values: { 'cpu_ratio.mean.10m': 90 }, replicas: 3, reason: 'cpu_ratio mean 90 > 70 for 10m; +1 → 3' },
    { name: 'a percent of 0 replicas still adds one', rule: { ...threshold, increaseBy: '50%' }, current: 0, values: { 'cpu_ratio.mean.10m': 90 }, replicas: 1, reason: 'woke: cpu_ratio 90 > activation 0 → 1 (cpu_ratio mean 90 > 70 for 10m; +1 → 1)' },
    { name: 'decreaseBy a percent rounds up', rule: { ...threshold, decreaseBy: '50%' }, current: 3, values: { 'cpu_ratio.mean.10m': 2 }, replicas: 1, reason: 'cpu_ratio mean 2 < 10 for 10m; -2 → 1' },
    { name: 'never proposes fewer than 0', rule: { ...threshold, decreaseBy: 5 }, current: 3, values: { 'cpu_ratio.mean.10m': 2 }, replicas: 0, reason: 'cpu_ratio mean 2 < 10 for 10m; -5 → 0' },
    { name: 'uses its statistic', rule: { ...threshold, statistic: 'max' }, current: 3, values: { 'cpu_ratio.mean.10m': 20, 'cpu_ratio.max.10m': 95 }, replicas: 4, reason: 'cpu_ratio max 95 > 70 for 10m; +1 → 4' },
    { name: 'no data holds', rule: threshold, current: 3, values: {}, replicas: 3, reason: 'no data for cpu_ratio in 10m: no scale-in' },
    {
      name: 'each line reads its own window',
      rule: { ...threshold, outDuration: '2m', inDuration: '15m' },
      current: 3,
      values: { 'cpu_ratio.mean.2m': 30, 'cpu_ratio.mean.15m': 8 },
      replicas: 2,
      reason: 'cpu_ratio mean 8 < 10 for 15m; -1 → 2',
    },
    {
      name: 'with different windows, the hold names both readings',
      rule: { ...threshold, outDuration: '2m', inDuration: '15m' },
      current: 3,
      values: { 'cpu_ratio.mean.2m': 30, 'cpu_ratio.mean.15m': 12 },
      replicas: 3,
      reason: 'cpu_ratio mean 30 not above 70 for 2m, 12 not below 10 for 15m',
    },
    {
      name: 'scale-out wins when both lines are crossed in their windows',
      rule: { ...threshold, outDuration: '2m', inDuration: '15m' },
      current: 3,
      values: { 'cpu_ratio.mean.2m': 90, 'cpu_ratio.mean.15m': 5 },
      replicas: 4,
      reason: 'cpu_ratio mean 90 > 70 for 2m; +1 → 4',
    },
    {
      name: 'scales out on its window even when the scale-in window has no data',
      rule: { ...threshold, outDuration: '2m', inDuration: '15m' },
      current: 3,
      values: { 'cpu_ratio.mean.2m': 90 },
      replicas: 4,
      reason: 'cpu_ratio mean 90 > 70 for 2m; +1 → 4',
    },
    {
      name: 'does not scale in when its scale-out window has no data',
      rule: { ...threshold, outDuration: '2m', inDuration: '15m' },
      current: 3,
      values: { 'cpu_ratio.mean.15m': 5 },
      replicas: 3,
      reason: 'no data for cpu_ratio in 2m: no scale-in',
    },
    { name: 'scale-out only, below its line', rule: { type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, outDuration: '10m' }, current: 3, values: { 'cpu_ratio.mean.10m': 20 }, replicas: 3, reason: 'cpu_ratio mean 20 not above 70 for 10m' },
    { name: 'scale-in only, above its line', rule: { type: 'threshold', metric: 'cpu_ratio', scaleInBelow: 10, inDuration: '10m' }, current: 3, values: { 'cpu_ratio.mean.10m': 20 }, replicas: 3, reason: 'cpu_ratio mean 20 not below 10 for 10m' },
  ])('$name', ({ rule, current, values, replicas, reason }) => {
    const decision = decideCase({ policy: alone(rule), current, values });
    expect({ replicas: decision.replicas, reason: decision.reason }).toEqual({ replicas, reason });
  });
});

describe('target rule (the HPA replica calculation)', () => {
  const target = { type: 'target', metric: 'cpu_ratio', target: 60 } as const;

  it.each([
    // kubernetes.io HPA "Algorithm details": 200m used against 100m desired doubles the replicas, 50m halves them.
    { name: 'HPA docs: value twice the target doubles', rule: { ...target, target: 100 }, current: 4, values: { 'cpu_ratio.mean.1m': 200 }, replicas: 8, reason: 'cpu_ratio mean 200 vs target 100; ceil(4 × 200 / 100) → 8' },
    { name: 'HPA docs: value half the target halves', rule: { ...target, target: 100 }, current: 4, values: { 'cpu_ratio.mean.1m': 50 }, replicas: 2, reason: 'cpu_ratio mean 50 vs target 100; ceil(4 × 50 / 100) → 2' },
    // replica_calculator_test.go "scale up": 3 pods using 20000/10000/30000 against a 15000 target → 4.
    { name: 'HPA test table: 3 replicas averaging 20000 against 15000', rule: { ...target, target: 15000 }, current: 3, values: { 'cpu_ratio.mean.1m': (20000 + 10000 + 30000) / 3 }, replicas: 4, reason: 'cpu_ratio mean 20000 vs target 15000; ceil(3 × 20000 / 15000) → 4' },
    { name: 'rounds up', rule: target, current: 3, values: { 'cpu_ratio.mean.1m': 83.1 }, replicas: 5, reason: 'cpu_ratio mean 83.1 vs target 60; ceil(3 × 83.1 / 60) → 5' },
    { name: 'holds within the tolerance above', rule: target, current: 3, values: { 'cpu_ratio.mean.1m': 65.9 }, replicas: 3, reason: 'cpu_ratio mean 65.9 within 10% of target 60' },
    { name: 'holds within the tolerance below', rule: target, current: 3, values: { 'cpu_ratio.mean.1m': 54.1 }, replicas: 3, reason: 'cpu_ratio mean 54.1 within 10% of target 60' },
    { name: 'holds exactly on the tolerance edge despite floating point', rule: target, current: 10, values: { 'cpu_ratio.mean.1m': 66 }, replicas: 10, reason: 'cpu_ratio mean 66 within 10% of target 60' },
    { name: 'moves just past the tolerance', rule: target, current: 10, values: { 'cpu_ratio.mean.1m': 66.1 }, replicas: 12, reason: 'cpu_ratio mean 66.1 vs target 60; ceil(10 × 66.1 / 60) → 12' },
    { name: 'a scale-out tolerance applies above target', rule: { ...target, tolerance: { scaleOut: 0.05, scaleIn: 0.15 } }, current: 10, values: { 'cpu_ratio.mean.1m': 64 }, replicas: 11, reason: 'cpu_ratio mean 64 vs target 60; ceil(10 × 64 / 60) → 11' },
    { name: 'within the scale-out tolerance holds', rule: { ...target, tolerance: { scaleOut: 0.05, scaleIn: 0.15 } }, current: 10, values: { 'cpu_ratio.mean.1m': 62.9 }, replicas: 10, reason: 'cpu_ratio mean 62.9 within the scale-out tolerance, 5% of target 60' },
    { name: 'a scale-in tolerance applies below target', rule: { ...target, tolerance: { scaleOut: 0.05, scaleIn: 0.15 } }, current: 10, values: { 'cpu_ratio.mean.1m': 52 }, replicas: 10, reason: 'cpu_ratio mean 52 within the scale-in tolerance, 15% of target 60' },
    { name: 'past the scale-in tolerance scales in', rule: { ...target, tolerance: { scaleOut: 0.05, scaleIn: 0.15 } }, current: 10, values: { 'cpu_ratio.mean.1m': 50 }, replicas: 9, reason: 'cpu_ratio mean 50 vs target 60; ceil(10 × 50 / 60) → 9' },
    { name: 'a whole-number result is not rounded up by floating point (3 × 0.2 / 0.1 = 6.000000000000001)', rule: { type: 'target', metric: 'error_rate', target: 0.1 }, current: 3, values: { 'error_rate.mean.1m': 0.2 }, replicas: 6, reason: 'error_rate mean 0.2 vs target 0.1; ceil(3 × 0.2 / 0.1) → 6' },
    { name: 'uses its statistic and window', rule: { ...target, statistic: 'max', window: '5m' }, current: 2, values: { 'cpu_ratio.max.5m': 120 }, replicas: 4, reason: 'cpu_ratio max 120 vs target 60; ceil(2 × 120 / 60) → 4' },
    { name: 'no data holds', rule: target, current: 3, values: {}, replicas: 3, reason: 'no data for cpu_ratio in 1m: no scale-in' },
    { name: 'from 0 replicas, load wakes the service', rule: { type: 'target', metric: 'queue_depth', target: 100 }, current: 0, values: { 'queue_depth.mean.1m': 250 }, replicas: 3, reason: 'woke: queue_depth 250 > activation 0 → 3 (queue_depth mean 250 with 0 replicas vs target 100; ceil(250 / 100) → 3)' },
    { name: 'from 0 replicas, no load stays at 0', rule: { type: 'target', metric: 'queue_depth', target: 100 }, current: 0, values: { 'queue_depth.mean.1m': 0 }, replicas: 0, reason: 'queue_depth mean 0 with 0 replicas vs target 100; ceil(0 / 100) → 0' },
  ])('$name', ({ rule, current, values, replicas, reason }) => {
    const decision = decideCase({ policy: alone(rule), current, values });
    expect({ replicas: decision.replicas, reason: decision.reason }).toEqual({ replicas, reason });
  });
});

describe('step rule', () => {
  // SPEC.md's example steps.
  const stepRule = { type: 'step', metric: 'cpu_ratio', window: '2m', steps: [{ above: 70, change: '+100%' }, { above: 50, change: 1 }, { below: 20, change: -1 }] } as const;

  it.each([
    { name: 'the first matching step wins', rule: stepRule, current: 3, value: 75, replicas: 6, reason: 'cpu_ratio mean 75 > 70 for 2m; +100% → 6' },
    { name: 'a later step matches when earlier ones do not', rule: stepRule, current: 3, value: 60, replicas: 4, reason: 'cpu_ratio mean 60 > 50 for 2m; +1 → 4' },
    { name: 'a below step scales in', rule: stepRule, current: 3, value: 10, replicas: 2, reason: 'cpu_ratio mean 10 < 20 for 2m; -1 → 2' },
    { name: 'no matching step holds', rule: stepRule, current: 3, value: 30, replicas: 3, reason: 'cpu_ratio mean 30 matches no step' },
    { name: 'an exact change sets the replicas', rule: { ...stepRule, steps: [{ above: 90, change: { exact: 8 } }] }, current: 3, value: 95, replicas: 8, reason: 'cpu_ratio mean 95 > 90 for 2m; exactly 8' },
    { name: 'a negative percent rounds the removal up', rule: { ...stepRule, steps: [{ below: 20, change: '-50%' }] }, current: 5, value: 10, replicas: 2, reason: 'cpu_ratio mean 10 < 20 for 2m; -50% → 2' },
    { name: 'a change of 0 holds on purpose', rule: { ...stepRule, steps: [{ above: 50, change: 0 }, { above: 20, change: 1 }] }, current: 3, value: 60, replicas: 3, reason: 'cpu_ratio mean 60 > 50 for 2m; +0 → 3' },
    { name: 'never proposes fewer than 0', rule: { ...stepRule, steps: [{ below: 20, change: -5 }] }, current: 2, value: 10, replicas: 0, reason: 'cpu_ratio mean 10 < 20 for 2m; -5 → 0' },
  ])('$name', ({ rule, current, value, replicas, reason }) => {
    const decision = decideCase({ policy: alone(rule), current, values: { 'cpu_ratio.mean.2m': value } });
    expect({ replicas: decision.replicas, reason: decision.reason }).toEqual({ replicas, reason });
  });

  it('holds without data', () => {
    expect(decideCase({ policy: alone(stepRule), current: 3 }).reason).toBe('no data for cpu_ratio in 2m: no scale-in');
  });
});
