import { describe, expect, it } from 'vitest';
import { sourcedMetrics, withSourceBuckets, withSourceProblems } from '../../lib/metrics/sources';
import { policySchema } from '../../lib/policy/schema';
import { decideCase, MINUTE, NOW } from '../policy/fixtures';

const sqs = { type: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'jobs' }, statistic: 'Average', period: '60s' };
const onQueue = (extra: Record<string, unknown> = {}) => ({ rules: [{ type: 'target', metric: 'queue_depth', per: 'service', target: 10, window: '2m', source: sqs, ...extra }] });

describe('a target rule on a value per service (a queue’s depth)', () => {
  it.each([
    { name: 'asks for one replica per target’s worth of messages', depth: 95, current: 5, replicas: 10, reason: 'queue_depth mean 95 for the service vs target 10 a replica; ceil(95 / 10) → 10' },
    { name: 'scales in as the queue drains', depth: 12, current: 6, replicas: 2, reason: 'queue_depth mean 12 for the service vs target 10 a replica; ceil(12 / 10) → 2' },
    { name: 'holds while each replica’s share is within the tolerance', depth: 31, current: 3, replicas: 3, reason: 'queue_depth mean 31 for 3 replicas, 10.3 each, within 10% of target 10' },
    { name: 'ignores replicas still starting: the depth does not depend on them', depth: 50, current: 2, replicas: 5, reason: 'ceil(50 / 10) → 5', scalings: [{ ts: NOW - 30_000, from: 1, to: 2 }] },
  ])('$name', ({ depth, current, replicas, reason, scalings }) => {
    const decision = decideCase({ policy: onQueue(), values: { 'queue_depth.mean.2m': depth }, current, scalings: scalings ?? [] });
    expect(decision.replicas).toBe(replicas);
    expect(decision.reason).toContain(reason);
  });

  it('a per-replica rule on the same numbers multiplies by the replicas, as the HPA does', () => {
    const decision = decideCase({ policy: onQueue({ per: 'replica' }), values: { 'queue_depth.mean.2m': 12 }, current: 6 });
    expect(decision.replicas).toBe(8);
  });
});

describe('what a service reads from its sources', () => {
  // The live policy's rules, then its shadows', as the evaluator runs them.
  const rulesOf = (...policies: unknown[]) => policies.flatMap((policy) => policySchema.parse(policy).rules);

  it('reads each metric once, over the longest window its live policy and its shadows read it', () => {
    const reads = sourcedMetrics(rulesOf(onQueue(), onQueue({ window: '10m' })));
    expect([...reads]).toEqual([['queue_depth', { source: sqs, windowMs: 10 * MINUTE }]]);
  });

  it('reads back past the hour before for a predicting load rule, whose hour of load is rolled up', () => {
    const policy = { rules: [{ type: 'load', metric: 'queue_depth', per: 'service', target: 10, source: sqs, prediction: {} }] };
    expect(sourcedMetrics(rulesOf(policy)).get('queue_depth')?.windowMs).toBe(120 * MINUTE);
  });

  it('reads nothing for rules without a source', () => {
    expect(sourcedMetrics(rulesOf({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] })).size).toBe(0);
  });
});

describe('source readings in a decision', () => {
  const bucket = (metric: string, start: number, value: number) => ({ metric, start, count: 1, sum: value, min: value, max: value });

  it('replace the agents’ buckets of a metric read from a source, and leave the others', () => {
    const agents = [bucket('cpu_ratio', NOW - MINUTE, 50), bucket('queue_depth', NOW - MINUTE, 999)];
    const sourced = [bucket('queue_depth', NOW - MINUTE, 7)];
    expect(withSourceBuckets(agents, { buckets: sourced, problems: new Map() }, new Set(['queue_depth']))).toEqual([agents[0], sourced[0]]);
    expect(withSourceBuckets(agents, undefined, new Set())).toEqual(agents);
  });

  it('say in the reason why a source gave no value, for the metrics the policy reads', () => {
    const decision = decideCase({ policy: onQueue(), values: {} });
    const problems = new Map([
      ['queue_depth', 'cloudwatch: no datapoints for AWS/SQS ApproximateNumberOfMessagesVisible QueueName=jobs Average/60s'],
      ['other', 'prometheus: not read by this policy'],
    ]);
    expect(withSourceProblems(decision, { buckets: [], problems }).reason).toBe(
      'no data for queue_depth in 2m: no scale-in; queue_depth: cloudwatch: no datapoints for AWS/SQS ApproximateNumberOfMessagesVisible QueueName=jobs Average/60s',
    );
  });
});

describe('the source and per fields', () => {
  const issues = (policy: unknown) => {
    const parsed = policySchema.safeParse(policy);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it.each([
    { name: 'a rule with a source must say per', rule: { type: 'target', metric: 'q', target: 1, source: sqs }, issue: /^rules\.0\.per: a rule with a source needs per/ },
    { name: 'per is "replica" or "service"', rule: { type: 'target', metric: 'q', target: 1, per: 'pod' }, issue: /^rules\.0\.per: must be "replica" .* or "service"/ },
    { name: 'a CloudWatch period', rule: { type: 'step', metric: 'q', per: 'service', source: { ...sqs, period: '90s' }, window: '5m', steps: [{ above: 1, change: 1 }] }, issue: /^rules\.0\.source\.period: must be 1s, 5s, 10s, 20s, 30s or a whole number of minutes/ },
    { name: 'a CloudWatch statistic', rule: { type: 'target', metric: 'q', target: 1, per: 'service', source: { ...sqs, statistic: 'avg' } }, issue: /^rules\.0\.source\.statistic: must be Average, Sum, Minimum, Maximum, SampleCount or a percentile/ },
    { name: 'a window holding a period', rule: { type: 'threshold', metric: 'q', per: 'service', scaleOutAbove: 5, outDuration: '1m', source: { ...sqs, period: '5m' } }, issue: /^rules\.0\.outDuration: must be at least the source's period \(5m\)/ },
    { name: 'an AWS region', rule: { type: 'target', metric: 'q', target: 1, per: 'service', source: { ...sqs, region: 'Virginia' } }, issue: /^rules\.0\.source\.region: must be an AWS region/ },
    { name: 'per and perReplica agree', rule: { type: 'load', metric: 'q', target: 1, per: 'service', perReplica: true }, issue: /^rules\.0\.per: per "service" contradicts perReplica true/ },
  ])('$name', ({ rule, issue }) => {
    expect(issues({ rules: [rule] })).toEqual([expect.stringMatching(issue)]);
  });

  it('two rules naming one metric read it from one place', () => {
    expect(issues({ rules: [onQueue().rules[0], { type: 'threshold', metric: 'queue_depth', scaleOutAbove: 100 }] })).toEqual([
      "rules.1.source: another rule reads queue_depth from elsewhere: give each source's value its own metric name",
    ]);
  });

  it('a load rule’s per sets perReplica, and one without either stays per replica', () => {
    const [onDepth, onCpu] = policySchema.parse({ rules: [{ type: 'load', metric: 'queue_depth', target: 10, per: 'service', source: sqs }, { type: 'load', metric: 'cpu_ratio', target: 60 }] }).rules;
    expect(onDepth).toMatchObject({ perReplica: false, per: 'service' });
    expect(onCpu).toMatchObject({ perReplica: true });
    expect(onCpu).not.toHaveProperty('per');
  });
});
