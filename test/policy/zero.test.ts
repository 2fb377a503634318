import { describe, expect, it } from 'vitest';
import { policySchema } from '../../lib/policy/schema';
import type { Recommendation, ScalingRecord } from '../../lib/policy/history';
import { problemLines } from '../support/problems';
import { decideCase, MINUTE, NOW } from './fixtures';

// A worker on its queue: one replica per 5 messages, read from CloudWatch, which still reports
// the queue's depth while no replica runs.
const source = { type: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'jobs' }, statistic: 'Average', period: '60s' };
const queue = { type: 'target', metric: 'queue_depth', source, per: 'service', target: 5, window: '1m' };
const depth = (value: number | undefined) => ({ 'queue_depth.mean.1m': value });
const sleeper = { rules: [queue], scaleToZero: { after: '10m' } };

/** The rules asked for `replicas` once a minute over the `minutes` before NOW. */
const asked = (replicas: number, minutes: number, endingAgo = 1): Recommendation[] =>
  Array.from({ length: minutes }, (_, i) => ({ ts: NOW - (endingAgo + minutes - 1 - i) * MINUTE, replicas }));

describe('waking from zero', () => {
  it.each([
    { name: 'a message wakes the service', value: 3, replicas: 1, reason: /^woke: queue_depth 3 > activation 0 → 1 \(queue_depth mean 3 with 0 replicas/ },
    { name: 'a backlog wakes it with enough replicas for the backlog', value: 18, replicas: 4, reason: /^woke: queue_depth 18 > activation 0 → 4/ },
    { name: 'an empty queue keeps it asleep', value: 0, replicas: 0, reason: /queue_depth mean 0 with 0 replicas/ },
    { name: 'a queue that cannot be read keeps it asleep', value: undefined, replicas: 0, reason: /^no data for queue_depth in 1m/ },
  ])('$name', ({ value, replicas, reason }) => {
    const decision = decideCase({ policy: sleeper, current: 0, values: depth(value) });
    expect(decision.replicas).toBe(replicas);
    expect(decision.reason).toMatch(reason);
  });

  it('wakes only above the activation threshold, and records that the rules asked for nothing below it', () => {
    const policy = { ...sleeper, rules: [{ ...queue, activationThreshold: 5 }] };
    const below = decideCase({ policy, current: 0, values: depth(3) });
    expect(below).toMatchObject({ replicas: 0, proposed: 0, direction: 'none', reason: 'asleep: queue_depth 3 not above activation 5, stays at 0' });
    const above = decideCase({ policy, current: 0, values: depth(6) });
    expect(above).toMatchObject({ replicas: 2, direction: 'out' });
    expect(above.reason).toMatch(/^woke: queue_depth 6 > activation 5 → 2/);
  });

  it('a threshold or step rule wakes the service by at least one replica, whether it adds a count or a percent', () => {
    const threshold = { type: 'threshold', metric: 'queue_depth', source, per: 'service', scaleOutAbove: 0, outDuration: '1m', increaseBy: '50%' };
    expect(decideCase({ policy: { rules: [threshold] }, current: 0, values: depth(2) })).toMatchObject({ replicas: 1, reason: expect.stringMatching(/^woke: queue_depth 2 > activation 0 → 1/) });
    const step = { type: 'step', metric: 'queue_depth', source, per: 'service', window: '1m', steps: [{ above: 0, change: '+100%' }] };
    expect(decideCase({ policy: { rules: [step] }, current: 0, values: depth(2) })).toMatchObject({ replicas: 1 });
  });

  it('a percent scale-out limit still lets a service at zero wake', () => {
    const limits = { scaleOut: [{ type: 'percent', value: 100, period: '1m' }] };
    expect(decideCase({ policy: { ...sleeper, limits }, current: 0, values: depth(23) })).toMatchObject({ replicas: 1, limitedBy: 'scaleOutLimit' });
  });
});

describe('going to zero', () => {
  it.each([
    {
      name: 'goes to 0 once the rules have asked for 0 for scaleToZero.after',
      recommendations: asked(0, 10), scalings: [],
      replicas: 0, reason: /; idle 10m \(queue_depth 0\): → 0$/,
    },
    {
      name: 'holds one replica until then',
      recommendations: asked(0, 3), scalings: [],
      replicas: 1, reason: /; idle 3m of scaleToZero.after 10m \(queue_depth 0\): held at 1$/,
    },
    {
      name: 'a minute with work in it starts the idle time again',
      recommendations: [...asked(0, 5, 6), ...asked(1, 1, 5), ...asked(0, 4)], scalings: [],
      replicas: 1, reason: /idle 4m of scaleToZero.after 10m/,
    },
    {
      name: 'a webhook that woke the service starts the idle time again',
      recommendations: asked(0, 30), scalings: [{ ts: NOW - 2 * MINUTE, from: 0, to: 1 }],
      replicas: 1, reason: /idle 2m of scaleToZero.after 10m/,
    },
    {
      name: 'the first evaluation with an empty queue holds',
      recommendations: [], scalings: [],
      replicas: 1, reason: /idle 0s of scaleToZero.after 10m/,
    },
  ])('$name', ({ recommendations, scalings, replicas, reason }: { recommendations: Recommendation[]; scalings: ScalingRecord[]; replicas: number; reason: RegExp }) => {
    const decision = decideCase({ policy: sleeper, current: 1, values: depth(0), recommendations, scalings });
    expect(decision).toMatchObject({ replicas, proposed: 0 });
    expect(decision.reason).toMatch(reason);
    if (replicas === 1) expect(decision.limitedBy).toBe('scaleToZero');
  });

  it('scales in freely down to one replica, then waits', () => {
    const decision = decideCase({ policy: sleeper, current: 4, values: depth(0) });
    expect(decision).toMatchObject({ replicas: 1, direction: 'in', limitedBy: 'scaleToZero' });
  });

  it('without scaleToZero, goes to 0 as soon as the rules and stabilization allow', () => {
    expect(decideCase({ policy: { rules: [queue] }, current: 1, values: depth(0) })).toMatchObject({ replicas: 0 });
  });

  it('never goes below min', () => {
    expect(decideCase({ policy: sleeper, current: 1, min: 1, values: depth(0), recommendations: asked(0, 20) })).toMatchObject({ replicas: 1, limitedBy: 'min' });
  });
});

describe('the policy fields', () => {
  it('scaleToZero waits 5m unless told', () => {
    expect(policySchema.parse({ rules: [queue], scaleToZero: {} }).scaleToZero).toEqual({ after: '5m' });
    expect(policySchema.parse({ rules: [queue] })).not.toHaveProperty('scaleToZero');
  });

  it.each([
    { name: 'an activation threshold on an agent metric', policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60, activationThreshold: 1 }] }, problem: /^rules\[0\]\.activationThreshold: needs a rule with a source and per "service"/ },
    { name: 'an activation threshold on a per-replica source', policy: { rules: [{ ...queue, per: 'replica', activationThreshold: 1 }] }, problem: /^rules\[0\]\.activationThreshold: needs a rule with a source and per "service"/ },
    { name: 'an activation threshold that is not a number', policy: { rules: [{ ...queue, activationThreshold: '5' }] }, problem: /^rules\[0\]\.activationThreshold: must be a number/ },
    { name: 'an idle time past what the history holds', policy: { rules: [queue], scaleToZero: { after: '45m' } }, problem: /^scaleToZero\.after: must be at most 30m: the idle time is counted in the 1h of decisions Tide keeps$/ },
    { name: 'an unknown field', policy: { rules: [queue], scaleToZero: { afterr: '5m' } }, problem: /^scaleToZero: .*afterr/ },
  ])('refuses $name', ({ policy, problem }) => {
    const lines = problemLines(policySchema, policy);
    expect(lines).toEqual([expect.stringMatching(problem)]);
  });
});
