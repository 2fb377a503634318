import { describe, expect, it } from 'vitest';
import { monthlyBill, type Fleet, type Measured } from '../../lib/cost/bill';
import { PRICES } from '../../lib/cost/prices';
import { fleetFromFlags } from '../../scripts/cost/cli';

/** Round figures, so that every line below can be worked by hand (the bench's own are in lib/cost/measured.json). */
const measured: Measured = {
  measuredAt: '2026-11-30T06:00:00.000Z',
  bench: { nodes: 10, containersPerNode: 10, services: 4, postIntervalSeconds: 60, sampleIntervalSeconds: 10, posts: 30, ticks: 3 },
  perPost: { requests: { GetItem: 1, PutItem: 1 }, readUnits: 1, writeUnits: 1, cpuMs: 2, localWallMs: 40, logBytes: 0 },
  perTick: {
    perService: { requests: { BatchGetItem: 0.25, Query: 0.25 }, readUnits: 1, writeUnits: 0, cpuMs: 1, localWallMs: 20, logBytes: 400, metricLogBytes: 300 },
    perNode: { requests: { Query: 0.1 }, readUnits: 0.1 },
  },
  storedBytesPerNodeMinute: 1024,
  cloudWatchMetricsPerService: 3,
};

const fleet: Fleet = {
  containers: 1000,
  services: 40,
  containersPerNode: 10,
  ingest: 'http-api',
  capacity: 'on-demand',
  postIntervalSeconds: 60,
  retentionSeconds: 86_400,
  lambdaMemoryMb: { ingest: 512, evaluator: 512 },
  servicesPerWorker: 200,
  serviceShards: 1,
  cloudWatchMetrics: true,
};

const line = (bill: ReturnType<typeof monthlyBill>, item: string) => bill.lines.find((l) => l.item === item)?.dollars;

describe('the monthly bill', () => {
  it('prices 1,000 containers line by line as worked by hand', () => {
    const bill = monthlyBill(fleet, measured, PRICES);

    // 100 nodes × 2,592,000 s a month ÷ 60 s = 4,320,000 posts; a tick a minute = 43,200 ticks.
    expect(bill.nodes).toBe(100);
    expect(bill.postsPerMonth).toBe(4_320_000);
    expect(bill.ticksPerMonth).toBe(43_200);
    // 4.32 M write units × $0.625 per million.
    expect(line(bill, 'ingest: DynamoDB writes')).toBeCloseTo(2.7, 10);
    // 4.32 M strongly consistent key reads of 1 unit × $0.125 per million.
    expect(line(bill, 'ingest: agent-key reads')).toBeCloseTo(0.54, 10);
    // (40 services × 1 + 100 nodes × 0.1) read units × 43,200 ticks = 2.16 M × $0.125 per million.
    expect(line(bill, 'evaluator: DynamoDB reads and writes')).toBeCloseTo(0.27, 10);
    expect(line(bill, 'ingest: HTTP API requests')).toBeCloseTo(4.32, 10);
    // Per post: 2 ms of CPU at 512/1769 of a vCPU (6.91 ms) + 2 requests × 8 ms = 22.91 ms, billed as 23 ms;
    // 4.32 M × 0.023 s × 0.5 GB = 49,680 GB-s × $0.0000133334, plus 4.32 M requests × $0.20 per million.
    expect(line(bill, 'ingest: Lambda requests and duration')).toBeCloseTo(4_320_000 * 23 / 1000 * 0.5 * 0.0000133334 + 0.864, 10);
    expect(line(bill, 'ingest: Lambda requests and duration')).toBeCloseTo(1.526, 3);
    // A tick: 40 services × (1 ms × 3.46 + 0.5 requests × 8 ms) + 100 nodes × 0.1 requests × 8 ms = 378.4 ms, billed as 379 ms.
    expect(line(bill, 'evaluator: Lambda requests and duration')).toBeCloseTo(43_200 * (379 / 1000 * 0.5 * 0.0000133334 + 0.0000002), 10);
    // 43,200 ticks × 40 services × 400 bytes = 0.644 GiB × $0.50.
    expect(line(bill, 'CloudWatch Logs')).toBeCloseTo((43_200 * 40 * 400 / 1024 ** 3) * 0.5, 10);
    // 100 nodes × 1,440 minutes kept × 1 KiB = 0.137 GiB × $0.25.
    expect(line(bill, 'DynamoDB storage')).toBeCloseTo((100 * 1440 * 1024 / 1024 ** 3) * 0.25, 10);
    expect(bill.total).toBeCloseTo(bill.lines.reduce((sum, l) => sum + l.dollars, 0), 10);
    expect(bill.perThousandContainers).toBeCloseTo(bill.total, 10);
  });

  it("prices the decisions' CloudWatch metrics by CloudWatch's tiers, and drops them and their log lines when they are off", () => {
    // 40 services × 3 metrics = 120 × $0.30.
    expect(line(monthlyBill(fleet, measured, PRICES), 'CloudWatch metrics of decisions')).toBeCloseTo(36, 10);
    // 4,000 × 3 = 12,000: 10,000 × $0.30 + 2,000 × $0.10.
    expect(line(monthlyBill({ ...fleet, containers: 100_000, services: 4000 }, measured, PRICES), 'CloudWatch metrics of decisions')).toBeCloseTo(3200, 10);

    const off = monthlyBill({ ...fleet, cloudWatchMetrics: false }, measured, PRICES);
    expect(line(off, 'CloudWatch metrics of decisions')).toBeUndefined();
    // 43,200 ticks × 40 services × (400 - 300) bytes.
    expect(line(off, 'CloudWatch Logs')).toBeCloseTo((43_200 * 40 * 100 / 1024 ** 3) * 0.5, 10);
  });

  it('charges nothing for the function URL beyond the Lambda invocation', () => {
    const viaApi = monthlyBill(fleet, measured, PRICES);
    const viaUrl = monthlyBill({ ...fleet, ingest: 'function-url' }, measured, PRICES);

    expect(line(viaUrl, 'ingest: function URL')).toBe(0);
    expect(viaApi.total - viaUrl.total).toBeCloseTo(4.32, 10);
  });

  it('provisions what auto scaling would hold at 70 % of the average rate, never under its floor of 5 units', () => {
    const small = monthlyBill({ ...fleet, capacity: 'provisioned' }, measured, PRICES);
    // 4.32 M writes ÷ 2,592,000 s = 1.67 a second ÷ 0.7 = 2.4: the floor, 5 WCU × 720 h × $0.00065.
    expect(small.provisioned).toEqual({ writeCapacityUnits: 5, readCapacityUnits: 5 });
    expect(line(small, 'DynamoDB write capacity (provisioned)')).toBeCloseTo(2.34, 10);

    const large = monthlyBill({ ...fleet, containers: 100_000, services: 4000, capacity: 'provisioned' }, measured, PRICES);
    // 432 M writes ÷ 2,592,000 s = 166.7 a second ÷ 0.7 = 238.1, rounded up.
    expect(large.provisioned?.writeCapacityUnits).toBe(239);
    expect(line(large, 'DynamoDB write capacity (provisioned)')).toBeCloseTo(239 * 720 * 0.00065, 10);
  });

  it('keeps the busiest partition of 100,000 containers far below 1,000 writes a second', () => {
    const bill = monthlyBill({ ...fleet, containers: 100_000, services: 4000 }, measured, PRICES);
    // 10,000 nodes, one write each a minute, all in one namespace's partition of the hour.
    expect(bill.hottestPartition.writeUnitsPerSecond).toBeCloseTo(10_000 / 60, 10);
    expect(monthlyBill({ ...fleet, containers: 100_000, services: 4000, serviceShards: 4 }, measured, PRICES).hottestPartition.writeUnitsPerSecond).toBeCloseTo(10_000 / 60 / 4, 10);
  });
});

describe('npm run cost flags', () => {
  it('name the flag and its rule when one is wrong', () => {
    const answer = fleetFromFlags(['--containers', '0', '--services', '40', '--ingest', 'sqs', '--capacity', 'reserved', '--cloudwatch-metrics', 'maybe'], measured);
    expect(answer).toEqual({
      problems: [
        '--containers must be a whole number of at least 1, not 0',
        '--ingest must be http-api or function-url, not sqs',
        '--capacity must be on-demand or provisioned, not reserved',
        '--cloudwatch-metrics must be on or off, not maybe',
      ],
    });
    expect(fleetFromFlags(['--services', '40'], measured)).toEqual({ problems: ['--containers must be a whole number of at least 1 (it is required)'] });
  });

  it('default to 10 containers a node, the HTTP API, an on-demand table, no decision metrics and the memory serverless.yml gives', () => {
    const answer = fleetFromFlags(['--containers', '1000', '--services', '40'], measured);
    expect(answer).toMatchObject({ fleet: { containers: 1000, services: 40, containersPerNode: 10, ingest: 'http-api', capacity: 'on-demand', cloudWatchMetrics: false, postIntervalSeconds: 60 }, json: false });
    expect('fleet' in answer && answer.fleet.lambdaMemoryMb).toEqual({ ingest: 128, evaluator: 512 });
  });

  it('price ingest at another memory size, within what Lambda allows', () => {
    const at256 = fleetFromFlags(['--containers', '1000', '--services', '40', '--ingest-memory', '256'], measured);
    expect('fleet' in at256 && at256.fleet.lambdaMemoryMb.ingest).toBe(256);
    expect(fleetFromFlags(['--containers', '1000', '--services', '40', '--ingest-memory', '64'], measured)).toEqual({
      problems: ['--ingest-memory must be from 128 to 10240 (MB, as Lambda allows), not 64'],
    });
  });
});
