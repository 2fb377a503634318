/**
 * The monthly AWS bill of a fleet watched by Tide: pure arithmetic over the
 * request counts `npm run bench:cost` measured on the wire (measured.json)
 * and the prices in prices.ts. `npm run cost` prints it; docs/COST.md explains it.
 */
import type { Prices } from './prices';

/** What `npm run bench:cost` measured, per agent POST and per evaluator tick. */
export interface Measured {
  measuredAt: string;
  /** The bench's fleet: how the per-POST and per-tick figures were obtained. */
  bench: { nodes: number; containersPerNode: number; services: number; postIntervalSeconds: number; sampleIntervalSeconds: number; posts: number; ticks: number };
  /**
   * One agent POST: DynamoDB requests by kind, the capacity units AWS bills for them, the CPU the
   * local stack spent on it (the function's and the emulation's), its wall time there, and its log bytes.
   */
  perPost: Work & { logBytes: number };
  /** One evaluator tick, split into what grows with services and what grows with nodes (the minutes read back). */
  perTick: {
    /** `metricLogBytes`: the part of `logBytes` that is CloudWatch metrics (embedded metric format). */
    perService: Work & { logBytes: number; metricLogBytes: number };
    perNode: { requests: Record<string, number>; readUnits: number };
  };
  /** Bytes a node's minute items keep in the table, per minute of retention. */
  storedBytesPerNodeMinute: number;
  /** Distinct CloudWatch metrics the evaluator's decisions publish per service (each billed a month). */
  cloudWatchMetricsPerService: number;
}

export interface Work {
  requests: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  cpuMs: number;
  localWallMs: number;
}

export type Ingest = 'http-api' | 'function-url';
export type Capacity = 'on-demand' | 'provisioned';

export interface Fleet {
  containers: number;
  services: number;
  containersPerNode: number;
  ingest: Ingest;
  capacity: Capacity;
  /** The agent's POST interval (TIDE_INTERVAL). */
  postIntervalSeconds: number;
  /** How long minute items live (TIDE_RETENTION_SECONDS). */
  retentionSeconds: number;
  /** The functions' memory (serverless.yml): Lambda's duration price, and the CPU it gives, scale with it. */
  lambdaMemoryMb: { ingest: number; evaluator: number };
  /** Past this many services the scheduled evaluator fans out to one worker per this many (TIDE_SERVICES_PER_WORKER). */
  servicesPerWorker: number;
  /** TIDE_SERVICE_SHARDS: partitions a namespace's minutes are spread over. */
  serviceShards: number;
  /** TIDE_CLOUDWATCH_METRICS: the evaluator publishes each decision as CloudWatch metrics. */
  cloudWatchMetrics: boolean;
}

export interface BillLine {
  item: string;
  /** What was counted, in words: "4.32 M write units". */
  quantity: string;
  dollars: number;
}

export interface Bill {
  nodes: number;
  postsPerMonth: number;
  ticksPerMonth: number;
  lines: BillLine[];
  total: number;
  perThousandContainers: number;
  /** The busiest minutes partition, averaged over a minute, against DynamoDB's per-partition limits. */
  hottestPartition: { writeUnitsPerSecond: number; writeLimit: number; readUnitsPerSecond: number; readLimit: number };
  /** Provisioned mode only: the units the table's auto scaling would hold. */
  provisioned?: { writeCapacityUnits: number; readCapacityUnits: number };
}

/** A month as AWS's calculators count it: 30 days. */
export const MONTH_SECONDS = 30 * 24 * 3600;
const HOURS = MONTH_SECONDS / 3600;
const GB = 1024 ** 3;
/** serverless.yml's Application Auto Scaling target, and the floors it provisions below any load. */
const TARGET_UTILIZATION = 0.7;
const MIN_CAPACITY_UNITS = 5;
/** DynamoDB's throughput limits per partition, per second. */
export const PARTITION_WRITE_LIMIT = 1000;
export const PARTITION_READ_LIMIT = 3000;

/** Lambda gives a function CPU in proportion to its memory: one full vCPU at 1,769 MB. */
export const FULL_VCPU_MB = 1769;
/** A DynamoDB request's round trip from Lambda in the same region: "single-digit milliseconds"; the calculator takes the high end. */
export const DYNAMODB_ROUND_TRIP_MS = 8;

/**
 * The duration of some work: its CPU, slowed to the share of a vCPU the
 * memory buys, plus a round trip per DynamoDB request. Measured locally,
 * DynamoDB Local's latency is not AWS's, so the wall time is not used.
 * Lambda bills each invocation this rounded up to a whole millisecond.
 */
export function billedMs(work: Work, memoryMb: number): number {
  const requests = Object.values(work.requests).reduce((a, b) => a + b, 0);
  return work.cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb) + requests * DYNAMODB_ROUND_TRIP_MS;
}

/** A monthly price by tiers: each tier's price for the quantity that falls in it. */
export function tiered(quantity: number, tiers: Prices['metricMonth']): number {
  let below = 0;
  let dollars = 0;
  for (const tier of tiers) {
    dollars += Math.max(0, Math.min(quantity, tier.upTo) - below) * tier.price;
    below = tier.upTo;
  }
  return dollars;
}

const millions = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} M`;

export function monthlyBill(fleet: Fleet, measured: Measured, prices: Prices): Bill {
  const nodes = Math.ceil(fleet.containers / fleet.containersPerNode);
  const posts = (nodes * MONTH_SECONDS) / fleet.postIntervalSeconds;
  const ticks = MONTH_SECONDS / 60;
  const { perPost, perTick } = measured;

  const ingestWrites = posts * perPost.writeUnits;
  const ingestReads = posts * perPost.readUnits;
  const evaluatorReads = ticks * (fleet.services * perTick.perService.readUnits + nodes * perTick.perNode.readUnits);
  const evaluatorWrites = ticks * fleet.services * perTick.perService.writeUnits;

  const lines: BillLine[] = [];
  let provisioned: Bill['provisioned'];
  if (fleet.capacity === 'on-demand') {
    const d = prices.dynamodb;
    lines.push(
      { item: 'ingest: DynamoDB writes', quantity: `${millions(ingestWrites)} write units`, dollars: ingestWrites * d.writeRequestUnit },
      { item: 'ingest: agent-key reads', quantity: `${millions(ingestReads)} read units`, dollars: ingestReads * d.readRequestUnit },
      {
        item: 'evaluator: DynamoDB reads and writes',
        quantity: `${millions(evaluatorReads)} read units, ${millions(evaluatorWrites)} write units`,
        dollars: evaluatorReads * d.readRequestUnit + evaluatorWrites * d.writeRequestUnit,
      },
    );
  } else {
    // Auto scaling holds the average rate at the target utilization, never below its floor.
    const units = (perMonth: number) => Math.max(MIN_CAPACITY_UNITS, Math.ceil(perMonth / MONTH_SECONDS / TARGET_UTILIZATION));
    provisioned = { writeCapacityUnits: units(ingestWrites + evaluatorWrites), readCapacityUnits: units(ingestReads + evaluatorReads) };
    lines.push(
      {
        item: 'DynamoDB write capacity (provisioned)',
        quantity: `${provisioned.writeCapacityUnits} WCU × ${HOURS} h`,
        dollars: provisioned.writeCapacityUnits * HOURS * prices.dynamodb.writeCapacityUnitHour,
      },
      {
        item: 'DynamoDB read capacity (provisioned)',
        quantity: `${provisioned.readCapacityUnits} RCU × ${HOURS} h`,
        dollars: provisioned.readCapacityUnits * HOURS * prices.dynamodb.readCapacityUnitHour,
      },
    );
  }

  lines.push(
    fleet.ingest === 'http-api'
      ? { item: 'ingest: HTTP API requests', quantity: `${millions(posts)} requests`, dollars: posts * prices.httpApiRequest }
      : { item: 'ingest: function URL', quantity: `${millions(posts)} requests`, dollars: 0 },
  );

  const gbSeconds = (ms: number, memoryMb: number) => (ms / 1000) * (memoryMb / 1024);
  const ingestGbSeconds = posts * gbSeconds(Math.ceil(billedMs(perPost, fleet.lambdaMemoryMb.ingest)), fleet.lambdaMemoryMb.ingest);
  lines.push({
    item: 'ingest: Lambda requests and duration',
    quantity: `${millions(posts)} invocations, ${Math.round(ingestGbSeconds)} GB-s`,
    dollars: posts * prices.lambda.request + ingestGbSeconds * prices.lambda.gbSecond,
  });
  const workers = fleet.services > fleet.servicesPerWorker ? Math.ceil(fleet.services / fleet.servicesPerWorker) : 0;
  const evaluatorInvocations = ticks * (1 + workers);
  const tickMs = fleet.services * billedMs(perTick.perService, fleet.lambdaMemoryMb.evaluator) + nodes * billedMs({ ...perTick.perNode, writeUnits: 0, cpuMs: 0, localWallMs: 0 }, fleet.lambdaMemoryMb.evaluator);
  // The tick's work shared by its invocations (the scheduled one, and its workers), each rounded up.
  const perInvocationMs = Math.ceil(tickMs / (1 + workers));
  const evaluatorGbSeconds = ticks * (1 + workers) * gbSeconds(perInvocationMs, fleet.lambdaMemoryMb.evaluator);
  lines.push({
    item: 'evaluator: Lambda requests and duration',
    quantity: `${millions(evaluatorInvocations)} invocations, ${Math.round(evaluatorGbSeconds)} GB-s`,
    dollars: evaluatorInvocations * prices.lambda.request + evaluatorGbSeconds * prices.lambda.gbSecond,
  });

  const tickLogBytes = perTick.perService.logBytes - (fleet.cloudWatchMetrics ? 0 : perTick.perService.metricLogBytes);
  const logBytes = posts * perPost.logBytes + ticks * fleet.services * tickLogBytes;
  lines.push({ item: 'CloudWatch Logs', quantity: `${(logBytes / GB).toFixed(2)} GB`, dollars: (logBytes / GB) * prices.logsIngestedGb });
  if (fleet.cloudWatchMetrics) {
    const metrics = Math.round(fleet.services * measured.cloudWatchMetricsPerService);
    lines.push({ item: 'CloudWatch metrics of decisions', quantity: `${metrics} metrics`, dollars: tiered(metrics, prices.metricMonth) });
  }

  const storedBytes = nodes * (fleet.retentionSeconds / 60) * measured.storedBytesPerNodeMinute;
  lines.push({ item: 'DynamoDB storage', quantity: `${(storedBytes / GB).toFixed(3)} GB`, dollars: (storedBytes / GB) * prices.dynamodb.storageGbMonth });

  const total = lines.reduce((sum, line) => sum + line.dollars, 0);
  // One namespace, its minutes spread over the shards: the worst case, as every node writes there.
  const perShard = (perMonth: number) => perMonth / MONTH_SECONDS / fleet.serviceShards;
  return {
    nodes,
    postsPerMonth: posts,
    ticksPerMonth: ticks,
    lines,
    total,
    perThousandContainers: (total / fleet.containers) * 1000,
    hottestPartition: {
      writeUnitsPerSecond: perShard(ingestWrites),
      writeLimit: PARTITION_WRITE_LIMIT,
      readUnitsPerSecond: perShard(ticks * nodes * perTick.perNode.readUnits),
      readLimit: PARTITION_READ_LIMIT,
    },
    ...(provisioned ? { provisioned } : {}),
  };
}
