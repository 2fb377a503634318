import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCloudWatch, type CloudWatchRead } from '../../lib/metrics/sources/cloudWatch';
import type { CloudWatchSource } from '../../lib/policy';
import { startFakeCloudWatch, type FakeCloudWatch } from '../support/fakeCloudWatch';
import { closedPortUrl } from '../support/loopback';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 30);
const MINUTE = 60_000;

const queue = (name: string, extra: Partial<CloudWatchSource> = {}): CloudWatchSource => ({
  type: 'cloudwatch',
  namespace: 'AWS/SQS',
  metricName: 'ApproximateNumberOfMessagesVisible',
  dimensions: { QueueName: name },
  statistic: 'Average',
  period: '60s',
  ...extra,
});
const read = (source: CloudWatchSource, windowMs = 5 * MINUTE): CloudWatchRead => ({ source, windowMs });

let fake: FakeCloudWatch;
beforeAll(async () => {
  fake = await startFakeCloudWatch();
});
afterAll(async () => {
  await fake.stop();
});

describe('CloudWatch source', () => {
  it('reads every rule of every service in one GetMetricData call, one query per distinct metric, oldest datapoint first', async () => {
    fake.set({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'jobs' } }, 42);
    fake.set({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'mail' } }, 3);
    const before = fake.calls.length;
    // Two services read "jobs" (over different windows), a third reads "mail".
    const readings = await readCloudWatch([read(queue('jobs')), read(queue('mail'), 2 * MINUTE), read(queue('jobs'), 10 * MINUTE)], NOW, { region: 'us-east-1', endpoint: fake.url });

    expect(fake.calls.length - before).toBe(1);
    const [call] = fake.calls.slice(before);
    expect(call?.target).toBe('GraniteServiceVersion20100801.GetMetricData');
    expect(call?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(call?.body.MetricDataQueries).toEqual([
      { Id: 'm0', MetricStat: { Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: 'jobs' }] }, Period: 60, Stat: 'Average' }, ReturnData: true },
      { Id: 'm1', MetricStat: { Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: 'mail' }] }, Period: 60, Stat: 'Average' }, ReturnData: true },
    ]);
    // From the start of the minute the longest window (10m) begins in, to now.
    expect(call?.body).toMatchObject({ StartTime: (NOW - 10 * MINUTE - 30_000) / 1000, EndTime: NOW / 1000, ScanBy: 'TimestampAscending' });

    const jobs = readings[0] as { datapoints: Array<{ start: number; value: number }> };
    expect(jobs.datapoints).toHaveLength(6);
    expect(jobs.datapoints[0]).toEqual({ start: NOW - 5 * MINUTE - 30_000, value: 42 });
    expect(jobs.datapoints.map((d) => d.start)).toEqual([...jobs.datapoints.map((d) => d.start)].sort((a, b) => a - b));
    expect((readings[1] as { datapoints: unknown[] }).datapoints).toHaveLength(3);
    expect((readings[2] as { datapoints: unknown[] }).datapoints).toHaveLength(11);
  });

  it('follows NextToken until the last page, and makes one call per region', async () => {
    const paged = await startFakeCloudWatch({ pageSize: 4 });
    paged.set({ namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: { ClusterName: 'prod', ServiceName: 'web' } }, 71.5);
    paged.set({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'jobs' } }, 5);
    const cpu: CloudWatchSource = { type: 'cloudwatch', namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: { ServiceName: 'web', ClusterName: 'prod' }, statistic: 'Average', period: '60s' };
    const readings = await readCloudWatch([read(cpu), read(queue('jobs')), read(queue('jobs', { region: 'eu-west-1' }))], NOW, { region: 'us-east-1', endpoint: paged.url });

    expect(readings.map((r) => ('datapoints' in r ? r.datapoints.map((d) => d.value) : r.problem))).toEqual([Array(6).fill(71.5), Array(6).fill(5), Array(6).fill(5)]);
    // us-east-1: 12 datapoints in pages of 4; eu-west-1: 6 in pages of 4. Each call signs for its region.
    const regions = paged.calls.map((c) => /Credential=[^/]+\/\d+\/([a-z0-9-]+)\/monitoring\//.exec(String(c.headers.authorization))?.[1]);
    expect(regions.filter((r) => r === 'us-east-1')).toHaveLength(3);
    expect(regions.filter((r) => r === 'eu-west-1')).toHaveLength(2);
    expect(paged.calls.filter((c) => c.body.NextToken !== undefined)).toHaveLength(3);
    await paged.stop();
  });

  it('asks for at most 500 metrics a call', async () => {
    const before = fake.calls.length;
    const reads = Array.from({ length: 501 }, (_, i) => read(queue(`q${i}`)));
    const readings = await readCloudWatch(reads, NOW, { region: 'us-east-1', endpoint: fake.url });
    expect(fake.calls.slice(before).map((c) => c.body.MetricDataQueries?.length)).toEqual([500, 1]);
    expect(readings).toHaveLength(501);
  });

  it('says why a metric has no value, costing only the metrics it concerns', async () => {
    const secret = { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'secret' } };
    fake.set(secret, 1);
    fake.forbid(secret);
    const readings = await readCloudWatch([read(queue('secret')), read(queue('nobody-sends-to')), read(queue('jobs'))], NOW, { region: 'us-east-1', endpoint: fake.url });
    expect(readings).toEqual([
      { problem: 'cloudwatch: AWS/SQS ApproximateNumberOfMessagesVisible QueueName=secret Average/60s: Forbidden (Forbidden: not authorized for this metric)' },
      { problem: 'cloudwatch: no datapoints for AWS/SQS ApproximateNumberOfMessagesVisible QueueName=nobody-sends-to Average/60s' },
      { datapoints: expect.arrayContaining([{ start: expect.any(Number), value: 42 }]) },
    ]);
  });

  it('says what CloudWatch answered when the call fails, and when nothing answers', async () => {
    fake.refuse({ status: 400, type: 'AccessDeniedException', message: 'User: arn:aws:sts::012345678910:assumed-role/tide is not authorized to perform: cloudwatch:GetMetricData' });
    const refused = await readCloudWatch([read(queue('jobs')), read(queue('mail'))], NOW, { region: 'us-east-1', endpoint: fake.url });
    fake.refuse(undefined);
    const why = 'cloudwatch: GetMetricData (us-east-1) answered AccessDeniedException: User: arn:aws:sts::012345678910:assumed-role/tide is not authorized to perform: cloudwatch:GetMetricData';
    expect(refused).toEqual([{ problem: why }, { problem: why }]);

    const silent = await readCloudWatch([read(queue('jobs'))], NOW, { region: 'us-east-1', endpoint: await closedPortUrl() });
    expect(silent).toEqual([{ problem: expect.stringMatching(/^cloudwatch: GetMetricData \(us-east-1\) did not answer: .*ECONNREFUSED/) }]);
  });
});
