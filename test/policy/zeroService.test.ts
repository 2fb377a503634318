import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors';
import { parseServiceDocument } from '../../lib/services/schema';

// What PUT /v1/services says of a service that may go to 0 replicas: one that could never wake
// on its own is refused, naming min and the way out.

const settings = { stage: 'test', localStack: true, retentionSeconds: 24 * 3600 };
const target = { provider: 'http', url: 'http://127.0.0.1:8088/scale/worker' };
const source = { type: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'jobs' }, statistic: 'Average', period: '60s' };
const queue = { type: 'target', metric: 'queue_depth', source, per: 'service', target: 5 };
const cpu = { type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, scaleInBelow: 10 };

function problems(doc: Record<string, unknown>): Array<{ path: string; message: string }> {
  try {
    parseServiceDocument({ target, max: 5, ...doc }, 'worker', 'default', settings);
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.details ?? [];
    throw error;
  }
}

describe('a service with min 0', () => {
  it('is refused when only the replicas report its metrics: at 0 nothing would wake it', () => {
    expect(problems({ min: 0, policy: { rules: [cpu] } })).toEqual([
      { path: 'min', message: expect.stringMatching(/^min 0 needs a rule that still reads a value at 0 replicas \(a source with per "service", such as a queue's depth\) or a schedule that raises min: .*Use min 1, or mode manual/) },
    ]);
    expect(problems({ min: 0, policy: { rules: [{ ...queue, per: 'replica' }] } })).toEqual([{ path: 'min', message: expect.stringMatching(/^min 0 needs/) }]);
  });

  it.each([
    { name: 'a rule on a queue', doc: { min: 0, policy: { rules: [cpu, queue], scaleToZero: { after: '10m' } } } },
    { name: 'mode manual, woken by webhooks and operators', doc: { mode: 'manual', min: 0, policy: { rules: [cpu] } } },
    { name: 'a schedule that raises min', doc: { min: 0, policy: { rules: [cpu] }, schedules: [{ name: 'workday', cron: '0 8 * * 1-5', duration: '10h', min: 1 }] } },
    { name: 'the simulator, which reports its metrics itself', doc: { min: 0, target: { provider: 'sim', offeredLoad: 100, capacityPerReplica: 100 }, policy: { rules: [cpu] } } },
    { name: 'min 1', doc: { min: 1, policy: { rules: [cpu] } } },
  ])('is accepted with $name', ({ doc }) => {
    expect(problems(doc)).toEqual([]);
  });

  it('keeps its idle time within the recommendations Tide keeps at its evaluation interval', () => {
    expect(problems({ min: 0, evaluationInterval: '10s', policy: { rules: [queue], scaleToZero: { after: '20m' } } })).toEqual([
      { path: 'policy.scaleToZero.after', message: 'must be less than 20m with evaluationInterval 10s: the idle time is counted in the last 120 recommendations Tide keeps' },
    ]);
    expect(problems({ min: 0, evaluationInterval: '10s', policy: { rules: [queue], scaleToZero: { after: '15m' } } })).toEqual([]);
  });
});
