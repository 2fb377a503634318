import { isIP } from 'node:net';

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
  /** The deployment's stage (serverless.yml sets TIDE_STAGE): targets' secrets live under /tide/<stage>/platform/. */
  stage: string;
  /**
   * True on the local stack and in the tests (TIDE_LOCAL=true, which npm start
   * sets and serverless.yml never does): only there may targets name env:
   * secrets and reach loopback addresses.
   */
  localStack: boolean;
  /** TIDE_ALLOWED_TARGETS: the only host names, IP addresses and CIDRs targets may reach; unset, any address not refused by default. */
  allowedTargets?: string[];
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

function stage(): string {
  const raw = process.env.TIDE_STAGE;
  if (raw === undefined || raw === '') return 'local';
  if (!/^[A-Za-z0-9-]{1,64}$/.test(raw)) throw new Error('TIDE_STAGE must be a stage name: letters, digits and -');
  return raw;
}

const HOST_ENTRY = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Host names (`rancher.example.com`, `*.example.com`), addresses and CIDRs (`10.0.0.0/8`), separated by commas or spaces. */
function allowedTargets(): string[] | undefined {
  const entries = (process.env.TIDE_ALLOWED_TARGETS ?? '').split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) return undefined;
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const cidr = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (extra === undefined && family !== 0 && cidr) continue;
    if (bits === undefined && HOST_ENTRY.test(entry)) continue;
    throw new Error(`TIDE_ALLOWED_TARGETS: "${entry}" is none of a host name, *.domain, an IP address or a CIDR such as 10.0.0.0/8`);
  }
  return entries;
}

export function loadConfig(): TideConfig {
  const endpoint = process.env.TIDE_DYNAMODB_ENDPOINT;
  const allowed = allowedTargets();
  return {
    tableName: process.env.TIDE_TABLE ?? 'tide-local',
    bucketSeconds: integer('TIDE_BUCKET_SECONDS', 60, 10, 3600),
    retentionSeconds: integer('TIDE_RETENTION_SECONDS', 24 * 3600, 3600, 90 * 24 * 3600),
    writeShards: integer('TIDE_WRITE_SHARDS', 8, 1, 64),
    agentIntervalSeconds: integer('TIDE_AGENT_INTERVAL_SECONDS', 10, 1, 300),
    eventRetentionSeconds: integer('TIDE_EVENT_RETENTION_SECONDS', 30 * 24 * 3600, 3600, 400 * 24 * 3600),
    servicesPerWorker: integer('TIDE_SERVICES_PER_WORKER', 200, 1, 100_000),
    ...(endpoint ? { dynamodbEndpoint: endpoint } : {}),
    stage: stage(),
    localStack: process.env.TIDE_LOCAL === 'true',
    ...(allowed ? { allowedTargets: allowed } : {}),
  };
}
