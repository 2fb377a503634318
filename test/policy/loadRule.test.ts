import { describe, expect, it } from 'vitest';
import { decide } from '../../lib/policy/decide';
import type { ScalingRecord } from '../../lib/policy/history';
import { observationsFromBuckets } from '../../lib/policy/observations';
import { policySchema } from '../../lib/policy/schema';
import { MINUTE, NOW } from './fixtures';

// The load rule over a service's last minutes: one bucket a minute of the rule's metric, the
// newest last and ending at NOW, with rate limits and stabilization off so the decision is the rule's.
const rule = { type: 'load', metric: 'cpu_ratio', target: 60, outWindow: '3m', inWindow: '10m', inPercentile: 20, hold: '10m', scaleInGap: '5m', hysteresis: 0.1 };

function decideOn(c: { rule?: Record<string, unknown>; minutes: number[]; current: number; scalings?: ScalingRecord[]; metric?: string }) {
  const buckets = c.minutes.map((value, i) => ({ metric: c.metric ?? 'cpu_ratio', start: NOW - (c.minutes.length - i) * MINUTE, count: 1, sum: value, min: value, max: value }));
  return decide({
    policy: policySchema.parse({ rules: [{ ...rule, ...c.rule }], stabilization: { scaleIn: '0s' }, limits: { scaleOut: [], scaleIn: [] } }),
    min: 0,
    max: 100,
    currentReplicas: c.current,
    observations: observationsFromBuckets(buckets, NOW, MINUTE),
    history: { recommendations: [], scalings: c.scalings ?? [] },
    now: NOW,
  });
}

const quiet = [30, 30, 30, 30, 30, 30, 30, 30, 30, 30];

describe('load rule', () => {
  it.each([
    {
      name: 'scales out at once to what the peak of outWindow needs',
      minutes: [...quiet.slice(3), 50, 120, 40],
      current: 3,
      replicas: 6,
      reason: 'peak load (cpu_ratio mean × ready replicas) 360 in 3m; ceil(360 / 60) → 6',
    },
    { name: 'overshoot adds its share to the peak', rule: { overshoot: 0.5 }, minutes: [...quiet.slice(1), 80], current: 3, replicas: 6, reason: 'ceil(240 × 1.5 / 60) → 6' },
    {
      name: 'scales in to what the low percentile of inWindow needs below the band',
      minutes: [20, 20, 20, 20, 20, 20, 20, 20, 20, 20],
      current: 4,
      replicas: 2,
      reason: 'p20 load (cpu_ratio mean × ready replicas) 80 in 10m needs ceil(80 / 54) = 2 → 2',
    },
    {
      name: 'one idle minute in the long window does not scale in (a percentile, not the minimum)',
      minutes: [0, 40, 40, 40, 40, 40, 40, 40, 40, 40],
      current: 3,
      replicas: 3,
      reason: 'p20 load (cpu_ratio mean × ready replicas) 120 in 10m needs ceil(120 / 54) = 3: no scale-in',
    },
    { name: 'never scales in below what the recent peak needs', minutes: [10, 10, 10, 10, 10, 10, 10, 40, 10, 10], current: 4, replicas: 3, reason: 'peak load (cpu_ratio mean × ready replicas) 160 in 3m needs 3 → 3' },
    {
      name: 'inside the hysteresis band holds',
      minutes: [50, 50, 50, 50, 50, 50, 50, 50, 50, 50],
      current: 4,
      replicas: 4,
      reason: 'needs ceil(200 / 54) = 4: no scale-in',
    },
    {
      name: 'holds after a scale-out',
      minutes: [20, 20, 20, 20, 20, 20, 20, 20, 20, 20],
      current: 4,
      scalings: [{ ts: NOW - 9 * MINUTE, from: 3, to: 4 }],
      replicas: 4,
      reason: 'no scale-in within 10m of the scale-out at 2026-11-22T09:51:00Z',
    },
    {
      name: 'keeps a gap between scale-ins',
      minutes: [20, 20, 20, 20, 20, 20, 20, 20, 20, 20],
      current: 4,
      scalings: [{ ts: NOW - 4 * MINUTE, from: 5, to: 4 }],
      replicas: 4,
      reason: 'no scale-in within 5m of the scale-in at 2026-11-22T09:56:00Z',
    },
    {
      // 2 replicas were ready 2 minutes ago at 90 %, 4 now at 45 %: the same load of 180.
      name: 'a minute’s load counts the replicas ready in that minute, not the starting ones',
      minutes: [...quiet.slice(3), 90, 90, 45],
      current: 4,
      scalings: [{ ts: NOW - 2 * MINUTE, from: 2, to: 4 }],
      replicas: 4,
      reason: 'peak load (cpu_ratio mean × ready replicas) 180 in 3m needs 3; no scale-in within 10m',
    },
    {
      // 20 replicas at 30 %, then 10 at 60 % from a scale-in 2 s into the last minute: the same load of 600,
      // which the minute's readings carry on the 10 replicas left, not on the 20 there were at its start.
      name: 'a minute’s load counts the replicas as the minute ended, so a scale-in early in it is not undone',
      minutes: [...quiet.slice(2).map(() => 30), 60],
      current: 10,
      scalings: [{ ts: NOW - MINUTE + 2_000, from: 20, to: 10 }],
      replicas: 10,
      reason: 'peak load (cpu_ratio mean × ready replicas) 600 in 3m needs 10',
    },
    { name: 'a service-wide metric is the load itself', rule: { metric: 'queue_length', perReplica: false, target: 100 }, metric: 'queue_length', minutes: [...quiet.slice(1), 450], current: 2, replicas: 5, reason: 'peak load (queue_length mean) 450 in 3m; ceil(450 / 100) → 5' },
    {
      name: 'noise headroom adds noiseHeadroom × √ of the replicas the load needs: a whole replica more to a service that needs 1',
      rule: { metric: 'queue_length', perReplica: false, target: 100, noiseHeadroom: 0.5 },
      metric: 'queue_length',
      minutes: [...quiet.slice(1), 100],
      current: 1,
      replicas: 2,
      reason: 'ceil(100 / 100 + 0.5 × √(100 / 100)) → 2',
    },
    {
      name: '… and 2 more, an eighth, to a service that needs 16',
      rule: { metric: 'queue_length', perReplica: false, target: 100, noiseHeadroom: 0.5 },
      metric: 'queue_length',
      minutes: [...quiet.slice(1), 1600],
      current: 1,
      replicas: 18,
      reason: 'ceil(1600 / 100 + 0.5 × √(1600 / 100)) → 18',
    },
    {
      name: 'noise headroom sizes a scale-in too',
      rule: { noiseHeadroom: 0.5 },
      minutes: [20, 20, 20, 20, 20, 20, 20, 20, 20, 20],
      current: 4,
      replicas: 3,
      reason: 'p20 load (cpu_ratio mean × ready replicas) 80 in 10m needs ceil(80 / 54 + 0.5 × √(80 / 54)) = 3 → 3',
    },
    { name: 'at 0 replicas the value is the load one replica would carry', minutes: [...quiet.slice(1), 150], current: 0, replicas: 3, reason: 'ceil(150 / 60) → 3' },
    { name: 'no data in outWindow holds', minutes: [], current: 3, replicas: 3, reason: 'no data for cpu_ratio in 3m: no scale-in' },
  ])('$name', (c) => {
    const decision = decideOn(c);
    expect(decision.replicas).toBe(c.replicas);
    expect(decision.reason).toContain(c.reason);
  });

  it('keeps the loads it decided on in the decision’s metrics', () => {
    const decision = decideOn({ minutes: [20, 20, 20, 20, 20, 20, 20, 20, 20, 20], current: 4 });
    expect(decision.metrics).toMatchObject({ 'cpu_ratio.mean.3m.peakLoad': 80, 'cpu_ratio.mean.10m.p20Load': 80 });
  });

  it('composes with other rules: the largest proposal wins', () => {
    const buckets = quiet.map((value, i) => ({ metric: 'cpu_ratio', start: NOW - (quiet.length - i) * MINUTE, count: 1, sum: value, min: value, max: value }));
    const decision = decide({
      policy: policySchema.parse({ rules: [rule, { type: 'threshold', metric: 'mem_ratio', scaleOutAbove: 80, outDuration: '1m' }], limits: { scaleOut: [], scaleIn: [] } }),
      min: 0,
      max: 100,
      currentReplicas: 3,
      observations: observationsFromBuckets([...buckets, { metric: 'mem_ratio', start: NOW - MINUTE, count: 1, sum: 95, min: 95, max: 95 }], NOW, MINUTE),
      history: { recommendations: [], scalings: [] },
      now: NOW,
    });
    expect(decision.replicas).toBe(4);
  });
});

describe('load rule schema', () => {
  it.each([
    ['an inWindow shorter than outWindow', { inWindow: '1m', outWindow: '3m' }, 'inWindow must be at least outWindow'],
    ['a percentile above 100', { inPercentile: 101 }, 'must be from 0 to 100'],
    ['a hysteresis of 1', { hysteresis: 1 }, 'must be at least 0 and less than 1'],
    ['a hold past the hour of history', { hold: '2h' }, 'Tide keeps 1h of scaling history'],
    ['a noise headroom above 2', { noiseHeadroom: 3 }, 'must be from 0 to 2'],
  ])('rejects %s', (_, fields, message) => {
    const result = policySchema.safeParse({ rules: [{ ...rule, ...fields }] });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});
