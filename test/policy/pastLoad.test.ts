import { describe, expect, it } from 'vitest';
import { loadKey, loadRulesWithPrediction, minuteLoads } from '../../lib/policy/pastLoad';
import { observationsFromBuckets } from '../../lib/policy/observations';
import { policySchema, type LoadRule } from '../../lib/policy/schema';
import { MINUTE, NOW } from './fixtures';

const parse = (rule: Record<string, unknown>, policy: Record<string, unknown> = {}) =>
  policySchema.parse({ rules: [{ type: 'load', metric: 'cpu_ratio', target: 60, ...rule }], ...policy });

describe('minuteLoads', () => {
  // cpu_ratio 90 % on 2 ready replicas, then 45 % once 4 are ready: the same load of 180.
  const values = [90, 90, 45];
  const buckets = values.map((v, i) => ({ metric: 'cpu_ratio', start: NOW - (values.length - i) * MINUTE, count: 1, sum: v, min: v, max: v }));
  const input = (policy = parse({})) => ({
    policy,
    currentReplicas: 4,
    observations: observationsFromBuckets(buckets, NOW, MINUTE),
    history: { recommendations: [], scalings: [{ ts: NOW - 2 * MINUTE, from: 2, to: 4 }] },
    now: NOW,
  });

  it('is the load the rule reads: the value times the replicas ready in that minute', () => {
    const policy = parse({});
    expect(minuteLoads(policy.rules[0] as LoadRule, input(policy), NOW - 3 * MINUTE, NOW)).toEqual([
      { minuteStart: NOW - 3 * MINUTE, load: 180 },
      { minuteStart: NOW - 2 * MINUTE, load: 180 },
      { minuteStart: NOW - MINUTE, load: 180 },
    ]);
  });

  it('gives only the minutes asked for', () => {
    const policy = parse({});
    expect(minuteLoads(policy.rules[0] as LoadRule, input(policy), NOW - MINUTE, NOW)).toEqual([{ minuteStart: NOW - MINUTE, load: 180 }]);
  });

  it('is the value itself for a service-wide metric', () => {
    const policy = parse({ perReplica: false });
    expect(minuteLoads(policy.rules[0] as LoadRule, input(policy), NOW - MINUTE, NOW)).toEqual([{ minuteStart: NOW - MINUTE, load: 45 }]);
  });
});

describe('loadRulesWithPrediction', () => {
  it('names the load rules a service keeps past loads for, under their load key', () => {
    const policy = policySchema.parse({
      rules: [
        { type: 'load', metric: 'cpu_ratio', target: 60, prediction: {} },
        { type: 'load', metric: 'queue_length', perReplica: false, target: 100 },
        { type: 'target', metric: 'cpu_ratio', target: 60 },
      ],
    });
    expect(loadRulesWithPrediction(policy).map(loadKey)).toEqual(['cpu_ratio.mean*replicas']);
  });
});
