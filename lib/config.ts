import { isIP } from 'node:net';
import * as z from 'zod';
import { parseDuration } from './duration';

/**
 * Deployment settings. The environment is parsed by one schema, once, by the composition root
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

/** An empty variable is an unset one: serverless.yml passes `${env:NAME, ''}` for those it leaves to the default. */
const text = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());

const integer = (fallback: number, min: number, max: number) => {
  const rule = `must be an integer from ${min} to ${max}`;
  return text.pipe(z.coerce.number<string | undefined>({ error: rule }).int({ error: rule }).min(min, { error: rule }).max(max, { error: rule }).default(fallback));
};

const HOST_ENTRY = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Host names (`rancher.example.com`, `*.example.com`), addresses and CIDRs (`10.0.0.0/8`), separated by commas or spaces. */
const allowedTargets = text.transform((value, ctx) => {
  const entries = (value ?? '').split(/[\s,]+/).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const cidr = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (extra === undefined && family !== 0 && cidr) continue;
    if (bits === undefined && HOST_ENTRY.test(entry)) continue;
    ctx.addIssue({ code: 'custom', message: `lists "${entry}", which is none of a host name, *.domain, an IP address or a CIDR such as 10.0.0.0/8` });
  }
  return entries.length === 0 ? undefined : entries;
});

const RATE_LIMIT = /^(\d+)\/(.+)$/;
const rateLimit = text.transform((value = '60/1m', ctx) => {
  const match = RATE_LIMIT.exec(value);
  const limit = Number(match?.[1]);
  let windowMs = 0;
  try {
    windowMs = match?.[2] ? parseDuration(match[2]) : 0;
  } catch {
    // A bad duration is reported below with the whole rule.
  }
  if (!Number.isInteger(limit) || limit < 1 || windowMs < 1000) {
    ctx.addIssue({ code: 'custom', message: 'must be "count/duration" such as "60/1m"' });
  }
  return { limit, windowMs };
});

const environment = z.object({
  TIDE_TABLE: text.pipe(z.string().default('tide-local')),
  TIDE_BUCKET_SECONDS: integer(60, 10, 3600),
  TIDE_RETENTION_SECONDS: integer(DEFAULT_RETENTION_SECONDS, 3600, 90 * 24 * 3600),
  TIDE_SERVICE_SHARDS: integer(1, 1, 64),
  TIDE_EVENT_RETENTION_SECONDS: integer(30 * 24 * 3600, 3600, 400 * 24 * 3600),
  TIDE_SERVICES_PER_WORKER: integer(200, 1, 100_000),
  TIDE_STAGE: text.pipe(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a stage name: letters, digits and -').default('local')),
  TIDE_LOCAL: z.string().optional(),
  TIDE_ALLOWED_TARGETS: allowedTargets,
  TIDE_ADMIN_TOKEN_SECRET: text.pipe(z.string().default('env:TIDE_ADMIN_TOKEN')),
  TIDE_WEBHOOK_RATE_LIMIT: rateLimit,
  TIDE_LOG_LEVEL: text.pipe(
    z
      .string()
      .transform((level) => level.toUpperCase())
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
      .default('INFO'),
  ),
  TIDE_EVALUATOR_FUNCTION: text,
  AWS_LAMBDA_FUNCTION_NAME: text,
  AWS_REGION: text.pipe(z.string().default('us-east-1')),
  TIDE_DYNAMODB_ENDPOINT: text,
  TIDE_LAMBDA_ENDPOINT: text,
  TIDE_ECS_ENDPOINT: text,
  TIDE_AUTOSCALING_ENDPOINT: text,
  TIDE_EC2_ENDPOINT: text,
  TIDE_CLOUDWATCH_ENDPOINT: text,
});

/** Leaves out what is unset, so a config shows only what it holds. */
const defined = <T extends Record<string, unknown>>(fields: T): Partial<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;

/** Parses the environment, or throws one error naming every variable that breaks its rule. */
export function loadConfig(env: Record<string, string | undefined> = process.env): TideConfig {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; '));
  }
  const e = parsed.data;
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
