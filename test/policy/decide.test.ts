import { describe, expect, it } from 'vitest';
import { decide } from '../../lib/policy/decide';
import { convertLegacyPolicy } from '../../lib/policy/legacy';
import { policySchema } from '../../lib/policy/schema';
import type { ScalingRecord } from '../../lib/policy/history';
import type { DecisionInput } from '../../lib/policy/types';
import { decideCase, NOW, readings, SECOND } from './fixtures';

// SPEC.md's example rules.
const thresholdRule = { type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '10m', increaseBy: 1, scaleInBelow: 10, inDuration: '10m', decreaseBy: 1 };
const targetRule = { type: 'target', metric: 'cpu_ratio', target: 60, tolerance: 0.1 };
const stepRule = { type: 'step', metric: 'cpu_ratio', statistic: 'mean', window: '2m', steps: [{ above: 70, change: '+100%' }, { above: 50, change: 1 }, { below: 20, change: -1 }] };
const SPEC_POLICY = {
  rules: [thresholdRule, targetRule, stepRule],
  cooldown: { scaleOut: '60s', scaleIn: '300s' },
  stabilization: { scaleOut: '0s', scaleIn: '300s' },
  limits: {
    scaleOut: [{ type: 'replicas', value: 4, period: '60s' }, { type: 'percent', value: 100, period: '60s' }],
    scaleIn: [{ type: 'percent', value: 50, period: '60s' }],
  },
};

describe('decide', () => {
  it("decides SPEC.md's example policy, explaining every rule and the readings it used", () => {
    const decision = decideCase({
      policy: SPEC_POLICY,
      current: 3,
      values: { 'cpu_ratio.mean.10m': 83.1, 'cpu_ratio.mean.1m': 83.1, 'cpu_ratio.mean.2m': 75 },
    });
    expect(decision).toEqual({
      replicas: 6,
      ts: NOW,
      proposed: 6,
      direction: 'out',
      reason: 'cpu_ratio mean 75 > 70 for 2m; +100% → 6',
      rules: [
        { type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', window: '10m', value: 83.1, proposal: 4, explanation: 'cpu_ratio mean 83.1 > 70 for 10m; +1 → 4' },
        { type: 'target', metric: 'cpu_ratio', statistic: 'mean', window: '1m', value: 83.1, proposal: 5, explanation: 'cpu_ratio mean 83.1 vs target 60; ceil(3 × 83.1 / 60) → 5' },
        { type: 'step', metric: 'cpu_ratio', statistic: 'mean', window: '2m', value: 75, proposal: 6, explanation: 'cpu_ratio mean 75 > 70 for 2m; +100% → 6' },
      ],
      metrics: { 'cpu_ratio.mean.10m': 83.1, 'cpu_ratio.mean.1m': 83.1, 'cpu_ratio.mean.2m': 75 },
    });
  });

  it('reports the limit that stopped a scale-out, as SPEC.md words it', () => {
    const decision = decideCase({ policy: { rules: [thresholdRule] }, current: 4, max: 4, values: { 'cpu_ratio.mean.10m': 83.14 } });
    expect(decision).toMatchObject({ replicas: 4, proposed: 5, direction: 'none', limitedBy: 'max', reason: 'cpu_ratio mean 83.1 > 70 for 10m; +1 → 5; limited by max 4' });
  });

  const memOutOnly = { type: 'threshold', metric: 'mem_ratio', scaleOutAbove: 80 };

  it.each([
    {
      name: 'any rule can scale out',
      rules: [thresholdRule, targetRule], current: 4, values: { 'cpu_ratio.mean.10m': 5, 'cpu_ratio.mean.1m': 90 },
      replicas: 6, reason: 'cpu_ratio mean 90 vs target 60; ceil(4 × 90 / 60) → 6',
    },
    {
      name: 'scale-in happens only when every rule agrees',
      rules: [thresholdRule, targetRule], current: 3, values: { 'cpu_ratio.mean.10m': 5, 'cpu_ratio.mean.1m': 60 },
      replicas: 3, reason: 'cpu_ratio mean 60 within 10% of target 60',
    },
    {
      name: 'when every rule agrees, by the least reduction',
      rules: [thresholdRule, targetRule], current: 3, values: { 'cpu_ratio.mean.10m': 5, 'cpu_ratio.mean.1m': 20 },
      replicas: 2, reason: 'cpu_ratio mean 5 < 10 for 10m; -1 → 2',
    },
    {
      name: 'a rule without data keeps the others from scaling in',
      rules: [thresholdRule, targetRule], current: 3, values: { 'cpu_ratio.mean.1m': 20 },
      replicas: 3, reason: 'no data for cpu_ratio in 10m: no scale-in',
    },
    {
      name: 'a rule without data does not keep the others from scaling out',
      rules: [thresholdRule, targetRule], current: 3, values: { 'cpu_ratio.mean.1m': 90 },
      replicas: 5, reason: 'cpu_ratio mean 90 vs target 60; ceil(3 × 90 / 60) → 5',
    },
    {
      name: 'a scale-out-only threshold leaves scale-in to the other rules',
      rules: [memOutOnly, targetRule], current: 3, values: { 'mem_ratio.mean.5m': 30, 'cpu_ratio.mean.1m': 20 },
      replicas: 1, reason: 'cpu_ratio mean 20 vs target 60; ceil(3 × 20 / 60) → 1',
    },
    {
      name: 'a scale-out-only threshold still scales out',
      rules: [memOutOnly, targetRule], current: 3, values: { 'mem_ratio.mean.5m': 95, 'cpu_ratio.mean.1m': 60 },
      replicas: 4, reason: 'mem_ratio mean 95 > 80 for 5m; +1 → 4',
    },
    {
      name: 'when every rule abstains, the reason cites them all',
      rules: [{ ...memOutOnly, metric: 'cpu_ratio', scaleOutAbove: 70 }, memOutOnly], current: 3, values: { 'cpu_ratio.mean.5m': 20, 'mem_ratio.mean.5m': 30 },
      replicas: 3, reason: 'cpu_ratio mean 20 not above 70 for 5m; mem_ratio mean 30 not above 80 for 5m',
    },
    {
      name: 'rules tied on the winning proposal are all cited',
      rules: [thresholdRule, targetRule], current: 3, values: { 'cpu_ratio.mean.10m': 41.2, 'cpu_ratio.mean.1m': 60 },
      replicas: 3, reason: 'cpu_ratio mean 41.2 within 70/10; cpu_ratio mean 60 within 10% of target 60',
    },
  ])('$name', ({ rules, current, values, replicas, reason }) => {
    const decision = decideCase({ policy: { rules }, current, values });
    expect({ replicas: decision.replicas, reason: decision.reason }).toEqual({ replicas, reason });
  });

  it('names readings by normalized window and leaves out windows without data', () => {
    const decision = decideCase({
      policy: { rules: [{ ...thresholdRule, outDuration: '300s', inDuration: '600s' }, { ...targetRule, metric: 'mem_ratio' }] },
      values: { 'cpu_ratio.mean.5m': 40, 'cpu_ratio.mean.10m': 30 },
    });
    expect(decision.metrics).toEqual({ 'cpu_ratio.mean.5m': 40, 'cpu_ratio.mean.10m': 30 });
  });

  it('is a pure function of its input', () => {
    const input: DecisionInput = {
      policy: policySchema.parse(SPEC_POLICY),
      min: 1,
      max: 10,
      currentReplicas: 5,
      observations: readings({ 'cpu_ratio.mean.10m': 5, 'cpu_ratio.mean.1m': 10, 'cpu_ratio.mean.2m': 10 }),
      history: { recommendations: [{ ts: NOW - 60 * SECOND, replicas: 4 }], scalings: [{ ts: NOW - 30 * SECOND, from: 6, to: 5 }] },
      now: NOW,
    };
    const snapshot = structuredClone({ ...input, observations: undefined });
    const first = decide(input);
    expect(decide(input)).toEqual(first);
    expect({ ...input, observations: undefined }).toEqual(snapshot);
    expect(first).toMatchObject({ replicas: 5, proposed: 4, limitedBy: 'cooldown', reason: 'cpu_ratio mean 5 < 10 for 10m; -1 → 4; cpu_ratio mean 10 < 20 for 2m; -1 → 4; in cooldown for scale-in until 2026-11-22T10:04:30Z' });
  });

  it('runs a converted Alauda policy, cooldown included', () => {
    const converted = convertLegacyPolicy({
      autoscaling_config: { metric_name: 'CPU_UTILIZATION', upper_threshold: '0.6', lower_threshold: '0.1', minimum_num_instances: '1', maximum_num_instances: '6', wait_period: '30' },
    });
    const decide = (cpu: number, scalings: ScalingRecord[]) =>
      decideCase({ policy: converted?.policy, min: converted?.min, max: converted?.max, current: 2, values: { 'cpu_ratio.mean.5m': cpu }, scalings });
    expect(decide(65, []).reason).toBe('cpu_ratio mean 65 > 60 for 5m; +1 → 3');
    expect(decide(5, [{ ts: NOW - 10 * SECOND, from: 3, to: 2 }]).reason).toBe('cpu_ratio mean 5 < 10 for 5m; -1 → 1; in cooldown for scale-in until 2026-11-22T10:00:20Z');
  });
});

describe('Function: decide — replicas still starting', () => {
  const target = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }], stabilization: { scaleIn: '0s' }, limits: { scaleOut: [], scaleIn: [] } };
  const reading = (value: number) => ({ value: () => value, buckets: () => [] });
  const now = Date.parse('2026-11-22T10:00:00Z');

  it.each([
    { name: 'scales out from the ready replicas while added ones start', value: 300, scalings: [{ ts: now - 60_000, from: 1, to: 5 }], expected: 5, reason: '4 of 5 replicas still starting; ceil(1 ready × 300 / 60) → 5' },
    { name: 'counts them ready once the readiness delay has passed', value: 300, scalings: [{ ts: now - 61_000, from: 1, to: 5 }], expected: 25, reason: 'ceil(5 × 300 / 60) → 25' },
    { name: 'still scales out when even the ready ones need more', value: 300, scalings: [{ ts: now - 30_000, from: 4, to: 5 }], expected: 20, reason: '1 of 5 replicas still starting; ceil(4 ready × 300 / 60) → 20' },
    { name: 'scales in from every replica, as before', value: 12, scalings: [{ ts: now - 30_000, from: 4, to: 5 }], expected: 1, reason: 'ceil(5 × 12 / 60) → 1' },
  ])('$name', ({ value, scalings, expected, reason }) => {
    const decision = decide({ policy: policySchema.parse(target), min: 0, max: 100, currentReplicas: 5, observations: reading(value), history: { recommendations: [], scalings }, now });
    expect(decision.replicas).toBe(expected);
    expect(decision.reason).toContain(reason);
  });
});

describe('Function: decide — threshold and step rules while replicas start', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');
  const threshold = { type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, outDuration: '2m', increaseBy: 1 };
  const step = { type: 'step', metric: 'cpu_ratio', window: '2m', steps: [{ above: 90, change: '+100%' }, { above: 70, change: 2 }] };
  const decideWith = (rule: Record<string, unknown>, value: number, scalings: ScalingRecord[]) =>
    decide({
      policy: policySchema.parse({ rules: [rule], limits: { scaleOut: [], scaleIn: [] } }),
      min: 1,
      max: 100,
      currentReplicas: 5,
      observations: { value: () => value, buckets: () => [] },
      history: { recommendations: [], scalings },
      now,
    });

  it.each([
    { name: 'threshold: the replica still starting counts toward +1', rule: threshold, value: 85, scalings: [{ ts: now - 30_000, from: 4, to: 5 }], expected: 5, reason: '+1 on 4 ready (1 still starting) held at 5' },
    { name: 'threshold: +1 again once it is ready', rule: threshold, value: 85, scalings: [{ ts: now - 90_000, from: 4, to: 5 }], expected: 6, reason: '+1 → 6' },
    { name: 'step: a larger step than the one in progress still adds the difference', rule: step, value: 95, scalings: [{ ts: now - 30_000, from: 3, to: 5 }], expected: 6, reason: '+3 on 3 ready (2 still starting) → 6' },
    { name: 'step: the same step again is held', rule: step, value: 80, scalings: [{ ts: now - 30_000, from: 3, to: 5 }], expected: 5, reason: '+2 on 3 ready (2 still starting) held at 5' },
  ])('$name', ({ rule, value, scalings, expected, reason }) => {
    const decision = decideWith(rule, value, scalings);
    expect(decision.replicas).toBe(expected);
    expect(decision.reason).toContain(reason);
  });
});

describe('Function: decide — when metrics are missing', () => {
  const target = { type: 'target', metric: 'cpu_ratio', target: 60 };
  const fallback = { behavior: 'fallback', replicas: 6, afterReads: 3 };
  const missed = (n: number) => Array.from({ length: n }, (_, i) => ({ ts: NOW - (n - i) * 60 * SECOND, replicas: 3, metricsMissing: true as const }));

  it.each([
    { name: 'hold (the default) keeps the replicas', missingMetrics: undefined, recommendations: missed(5), values: {}, replicas: 3, reason: 'no data for cpu_ratio in 1m: no scale-in' },
    {
      name: 'a fallback waits for its count of reads in a row',
      missingMetrics: fallback,
      recommendations: missed(1),
      values: {},
      replicas: 3,
      reason: 'no data for cpu_ratio in 1m: no scale-in; no data in 2 of the 3 evaluations in a row before the missingMetrics fallback to 6',
    },
    { name: 'a fallback goes to its count on the Nth read without data', missingMetrics: fallback, recommendations: missed(2), values: {}, replicas: 6, reason: 'no data for cpu_ratio in 1m: no scale-in; no data in 3 evaluations in a row: missingMetrics fallback → 6' },
    {
      name: 'a read with data restarts the count',
      missingMetrics: fallback,
      recommendations: [...missed(2), { ts: NOW - 30 * SECOND, replicas: 3 }],
      values: {},
      replicas: 3,
      reason: 'no data for cpu_ratio in 1m: no scale-in; no data in 1 of the 3 evaluations in a row before the missingMetrics fallback to 6',
    },
    { name: 'a fallback is ignored while there is data', missingMetrics: fallback, recommendations: missed(5), values: { 'cpu_ratio.mean.1m': 60 }, replicas: 3, reason: 'cpu_ratio mean 60 within 10% of target 60' },
  ])('$name', ({ missingMetrics, recommendations, values, replicas, reason }) => {
    const decision = decideCase({ policy: { rules: [target], stabilization: { scaleIn: '0s' }, ...(missingMetrics ? { missingMetrics } : {}) }, values, recommendations });
    expect({ replicas: decision.replicas, reason: decision.reason }).toEqual({ replicas, reason });
  });

  it('a fallback below the current replicas scales in, within min', () => {
    const decision = decideCase({ policy: { rules: [target], stabilization: { scaleIn: '0s' }, missingMetrics: { behavior: 'fallback', replicas: 0, afterReads: 1 } }, min: 1 });
    expect(decision).toMatchObject({ replicas: 1, direction: 'in', limitedBy: 'min', metricsMissing: true });
  });
});
