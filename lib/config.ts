/**
 * Deployment settings, read once from the environment. Every knob has its
 * default here so that the local stack, the tests and AWS agree.
 */
export interface TideConfig {
  tableName: string;
  /** Width of one aggregate bucket. */
  bucketSeconds: number;
  /** How long aggregates live before DynamoDB's TTL removes them. */
  retentionSeconds: number;
  /**
   * Aggregates of one service are spread over this many items per bucket,
   * chosen by the reporting node, so that no single item takes every node's
   * writes. Reads of a window cost one query per shard. Changing it makes
   * data written under the old count invisible to reads, so pick it once.
   */
  writeShards: number;
  /** How often node agents report; used to estimate reporting containers from sample counts. */
  agentIntervalSeconds: number;
  /** How long scaling events are kept. */
  eventRetentionSeconds: number;
  /** Above this many services, the scheduled evaluator fans out to workers. */
  servicesPerWorker: number;
  /** Set locally (DynamoDB Local); unset on AWS. */
  dynamodbEndpoint?: string;
}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function loadConfig(): TideConfig {
  const endpoint = process.env.TIDE_DYNAMODB_ENDPOINT;
  return {
    tableName: process.env.TIDE_TABLE ?? 'tide-local',
    bucketSeconds: integer('TIDE_BUCKET_SECONDS', 60, 10, 3600),
    retentionSeconds: integer('TIDE_RETENTION_SECONDS', 24 * 3600, 3600, 90 * 24 * 3600),
    writeShards: integer('TIDE_WRITE_SHARDS', 8, 1, 64),
    agentIntervalSeconds: integer('TIDE_AGENT_INTERVAL_SECONDS', 10, 1, 300),
    eventRetentionSeconds: integer('TIDE_EVENT_RETENTION_SECONDS', 30 * 24 * 3600, 3600, 400 * 24 * 3600),
    servicesPerWorker: integer('TIDE_SERVICES_PER_WORKER', 200, 1, 100_000),
    ...(endpoint ? { dynamodbEndpoint: endpoint } : {}),
  };
}
