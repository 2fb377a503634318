import { isIP } from 'node:net';
import { parseDuration } from './durationText';

/**
 * Deployment settings. The environment is checked once, by the composition root
 * (lib/app.ts), and the values are passed down from there; nothing else reads the environment
 * but the AWS SDK (its own standard variables) and `env:` secret references. Every knob has its
 * default here so that the local stack, the tests and AWS agree.
 */
export interface TideConfig {
  tableName: string;
  /** Width of one aggregate bucket. */
  bucketSeconds: number;
  /** How long aggregates live before DynamoDB's TTL removes them. */
  retentionSeconds: number;
  /**
   * TIDE_SERVICE_SHARDS: a namespace's services are spread over this many
   * partitions of metrics by a hash of their name, so that no partition takes
   * more than DynamoDB's 1,000 writes a second (about 60,000 nodes at one post a
   * minute each) and evaluator workers read only their own. Changing it hides
   * the metrics written under the old count from reads until they expire.
   */
  serviceShards: number;
  /** How long scaling events are kept. */
  eventRetentionSeconds: number;
  /** Above this many services, the scheduled evaluator fans out to workers. */
  servicesPerWorker: number;
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
  /** Where the admin token is read from: a secret reference (`ssm:/tide/prod/admin-token`; locally `env:TIDE_ADMIN_TOKEN`). */
  adminTokenSecret: string;
  /** How many triggers one webhook key may make per window, against floods from an alert loop or a leaked URL. */
  webhookRateLimit: { limit: number; windowMs: number };
  logLevel: LogLevel;
  /** The evaluator's own function, which it invokes as workers when it fans out. */
  evaluatorFunction?: string;
  /** AWS_REGION, which Lambda sets; the local endpoints need one even where it is unset. */
  region: string;
  /** AWS APIs elsewhere than at their public endpoints: set locally (DynamoDB Local, the stack's Lambda) and by tests; unset on AWS. */
  endpoints: {
    dynamodb?: string;
    lambda?: string;
    /** For every ecs target that names no endpoint of its own. */
    ecs?: string;
    /** For every ec2-asg host pool. */
    autoScaling?: string;
    ec2?: string;
    /** For every rule whose source is CloudWatch. */
    cloudWatch?: string;
  };
}

/** TIDE_RETENTION_SECONDS unless set: a day of metrics. */
export const DEFAULT_RETENTION_SECONDS = 24 * 3600;

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// Checked by hand rather than with a zod schema: every function reads its settings at load, and
// building a schema there costs a cold start more CPU than the whole check does.

type Env = Record<string, string | undefined>;
/** A variable's value, or its rule broken: the message follows the variable's name. */
type Check<T> = { value: T } | { problems: string[] };

/** An empty variable is an unset one: serverless.yml passes `${env:NAME, ''}` for those it leaves to the default. */
const text = (value: string | undefined) => (value === '' ? undefined : value);

const integer =
  (fallback: number, min: number, max: number) =>
  (raw: string | undefined): Check<number> => {
    const value = text(raw);
    if (value === undefined) return { value: fallback };
    const rule = `must be an integer from ${min} to ${max}`;
    const n = Number(value);
    return Number.isInteger(n) && n >= min && n <= max ? { value: n } : { problems: [rule] };
  };

const withDefault =
  (fallback: string) =>
  (raw: string | undefined): Check<string> => ({ value: text(raw) ?? fallback });

const optional = (raw: string | undefined): Check<string | undefined> => ({ value: text(raw) });

const STAGE = /^[A-Za-z0-9-]{1,64}$/;
const stage = (raw: string | undefined): Check<string> => {
  const value = text(raw) ?? 'local';
  return STAGE.test(value) ? { value } : { problems: ['must be a stage name: letters, digits and -'] };
};

const HOST_ENTRY = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Host names (`rancher.example.com`, `*.example.com`), addresses and CIDRs (`10.0.0.0/8`), separated by commas or spaces. */
const allowedTargets = (raw: string | undefined): Check<string[] | undefined> => {
  const entries = (text(raw) ?? '').split(/[\s,]+/).filter(Boolean);
  const problems: string[] = [];
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const cidr = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (extra === undefined && family !== 0 && cidr) continue;
    if (bits === undefined && HOST_ENTRY.test(entry)) continue;
    problems.push(`lists "${entry}", which is none of a host name, *.domain, an IP address or a CIDR such as 10.0.0.0/8`);
  }
  if (problems.length > 0) return { problems };
  return { value: entries.length === 0 ? undefined : entries };
};

const RATE_LIMIT = /^(\d+)\/(.+)$/;
const rateLimit = (raw: string | undefined): Check<{ limit: number; windowMs: number }> => {
  const match = RATE_LIMIT.exec(text(raw) ?? '60/1m');
  const limit = Number(match?.[1]);
  let windowMs = 0;
  try {
    windowMs = match?.[2] ? parseDuration(match[2]) : 0;
  } catch {
    // A bad duration is reported below with the whole rule.
  }
  if (!Number.isInteger(limit) || limit < 1 || windowMs < 1000) return { problems: ['must be "count/duration" such as "60/1m"'] };
  return { value: { limit, windowMs } };
};

const logLevel = (raw: string | undefined): Check<LogLevel> => {
  const level = (text(raw) ?? 'INFO').toUpperCase();
  return (LOG_LEVELS as readonly string[]).includes(level) ? { value: level as LogLevel } : { problems: [`must be one of ${LOG_LEVELS.join(', ')}`] };
};

/** Each variable's check, in the order their problems are reported. */
const environment = {
  TIDE_TABLE: withDefault('tide-local'),
  TIDE_BUCKET_SECONDS: integer(60, 10, 3600),
  TIDE_RETENTION_SECONDS: integer(DEFAULT_RETENTION_SECONDS, 3600, 90 * 24 * 3600),
  TIDE_SERVICE_SHARDS: integer(1, 1, 64),
  TIDE_EVENT_RETENTION_SECONDS: integer(30 * 24 * 3600, 3600, 400 * 24 * 3600),
  TIDE_SERVICES_PER_WORKER: integer(200, 1, 100_000),
  TIDE_STAGE: stage,
  // Not emptied: only "true" turns the local stack on.
  TIDE_LOCAL: (raw: string | undefined): Check<string | undefined> => ({ value: raw }),
  TIDE_ALLOWED_TARGETS: allowedTargets,
  TIDE_ADMIN_TOKEN_SECRET: withDefault('env:TIDE_ADMIN_TOKEN'),
  TIDE_WEBHOOK_RATE_LIMIT: rateLimit,
  TIDE_LOG_LEVEL: logLevel,
  TIDE_EVALUATOR_FUNCTION: optional,
  AWS_LAMBDA_FUNCTION_NAME: optional,
  AWS_REGION: withDefault('us-east-1'),
  TIDE_DYNAMODB_ENDPOINT: optional,
  TIDE_LAMBDA_ENDPOINT: optional,
  TIDE_ECS_ENDPOINT: optional,
  TIDE_AUTOSCALING_ENDPOINT: optional,
  TIDE_EC2_ENDPOINT: optional,
  TIDE_CLOUDWATCH_ENDPOINT: optional,
};

type Parsed = { [K in keyof typeof environment]: (typeof environment)[K] extends (raw: string | undefined) => Check<infer T> ? T : never };

function parseEnvironment(env: Env): Parsed {
  const parsed: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, check] of Object.entries(environment) as [string, (raw: string | undefined) => Check<unknown>][]) {
    const result = check(env[name]);
    if ('problems' in result) problems.push(...result.problems.map((message) => `${name} ${message}`));
    else parsed[name] = result.value;
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return parsed as Parsed;
}

/** Leaves out what is unset, so a config shows only what it holds. */
const defined = <T extends Record<string, unknown>>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;

/** Parses the environment, or throws one error naming every variable that breaks its rule. */
export function loadConfig(env: Env = process.env): TideConfig {
  const e = parseEnvironment(env);
  return {
    tableName: e.TIDE_TABLE,
    bucketSeconds: e.TIDE_BUCKET_SECONDS,
    retentionSeconds: e.TIDE_RETENTION_SECONDS,
    serviceShards: e.TIDE_SERVICE_SHARDS,
    eventRetentionSeconds: e.TIDE_EVENT_RETENTION_SECONDS,
    servicesPerWorker: e.TIDE_SERVICES_PER_WORKER,
    stage: e.TIDE_STAGE,
    localStack: e.TIDE_LOCAL === 'true',
    ...defined({ allowedTargets: e.TIDE_ALLOWED_TARGETS, evaluatorFunction: e.TIDE_EVALUATOR_FUNCTION ?? e.AWS_LAMBDA_FUNCTION_NAME }),
    adminTokenSecret: e.TIDE_ADMIN_TOKEN_SECRET,
    webhookRateLimit: e.TIDE_WEBHOOK_RATE_LIMIT,
    logLevel: e.TIDE_LOG_LEVEL,
    region: e.AWS_REGION,
    endpoints: defined({
      dynamodb: e.TIDE_DYNAMODB_ENDPOINT,
      lambda: e.TIDE_LAMBDA_ENDPOINT,
      ecs: e.TIDE_ECS_ENDPOINT,
      autoScaling: e.TIDE_AUTOSCALING_ENDPOINT,
      ec2: e.TIDE_EC2_ENDPOINT,
      cloudWatch: e.TIDE_CLOUDWATCH_ENDPOINT,
    }),
  };
}
