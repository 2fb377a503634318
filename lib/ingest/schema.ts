import * as z from 'zod';
import type { ProblemDetail } from '../errors';
import { BUILT_IN_METRICS, CUSTOM_METRIC_PATTERN, resourceName } from '../names';
import { MAX_METRICS_PER_BUCKET } from '../store/limits';
import { timestamp } from '../time';

export const MAX_SAMPLES = 1000;
export const MAX_CUSTOM_METRICS = 20;
export const MAX_SAMPLE_AGE_MS = 60 * 60 * 1000;
export const MAX_SAMPLE_LEAD_MS = 5 * 60 * 1000;

/**
 * The magnitudes a stored aggregate holds. DynamoDB numbers span 1e-130 to
 * 1e126; aggregates are stored as doubles (lib/store/minutes.ts), and sums
 * of up to a million values of at most 2^53 stay far inside that range. 2^53
 * bytes is 8 PiB.
 */
const MAX_MAGNITUDE = 2 ** 53;
const MIN_MAGNITUDE = 1e-100;

const storable = (value: number) => value === 0 || (Math.abs(value) >= MIN_MAGNITUDE && Math.abs(value) <= MAX_MAGNITUDE);

const nonNegative = z
  .number({ error: 'must be a finite number >= 0' })
  .refine((v) => v >= 0 && storable(v), { error: 'must be a finite number >= 0: 0, or from 1e-100 to 2^53' });

const percent = z
  .number({ error: 'must be a number from 0 to 100' })
  .refine((v) => v >= 0 && v <= 100 && storable(v), { error: 'must be a number from 0 to 100: 0, or from 1e-100 to 100' });

const builtInNames: ReadonlySet<string> = new Set(BUILT_IN_METRICS);

/** A post's minutes: at most an hour's worth, the oldest Tide still takes. */
export const MAX_MINUTES = 60;
/** Services one node reports in one minute, and (service, metric) pairs: a minute is one item of at most 400 KB. */
export const MAX_MINUTE_SERVICES = 500;
export const MAX_MINUTE_METRICS = 2000;
export const MINUTE_MS = 60_000;

const count = z.number({ error: 'must be an integer from 1 to 1000000' }).int({ error: 'must be an integer from 1 to 1000000' }).min(1, { error: 'must be an integer from 1 to 1000000' }).max(1_000_000, { error: 'must be an integer from 1 to 1000000' });

const aggregate = z
  .object(
    {
      count,
      sum: z.number({ error: 'must be a finite number' }).refine((v) => v === 0 || (Math.abs(v) >= MIN_MAGNITUDE && Math.abs(v) <= MAX_MAGNITUDE * 1_000_000), {
        error: 'must be a finite number: 0, or from 1e-100 to 2^53 × 1000000 either side of 0',
      }),
      min: z.number({ error: 'must be a finite number' }),
      max: z.number({ error: 'must be a finite number' }),
    },
    { error: 'must be an object of count, sum, min and max' },
  )
  .refine((a) => a.min <= a.max, { error: 'min must not be above max', path: ['min'] });

/** A built-in metric's min and max keep the bounds of its samples. */
const storableNumber = z.number().refine(storable, { error: 'must be a finite number: 0, or from 1e-100 to 2^53 either side of 0' });

function metricBoundProblems(name: string, a: { min: number; max: number }, ctx: z.RefinementCtx, path: PropertyKey[]): void {
  const value = builtInNames.has(name) ? (name === 'mem_ratio' ? percent : nonNegative) : storableNumber;
  for (const field of ['min', 'max'] as const) {
    const parsed = value.safeParse(a[field]);
    if (!parsed.success) ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'is out of range', path: [...path, field] });
  }
}

const minuteMetrics = z
  .record(z.string().regex(CUSTOM_METRIC_PATTERN, { error: 'metric names must be built-in or match ^[A-Za-z_][A-Za-z0-9_.]{0,63}$' }), aggregate)
  .superRefine((metrics, ctx) => {
    for (const [name, a] of Object.entries(metrics)) metricBoundProblems(name, a, ctx, [name]);
  })
  .refine((metrics) => Object.keys(metrics).length >= 1 && Object.keys(metrics).length <= MAX_METRICS_PER_BUCKET, {
    error: `must have from 1 to ${MAX_METRICS_PER_BUCKET} metrics`,
  });

const minuteService = z.object(
  {
    containers: z.number({ error: 'must be an integer from 1 to 100000' }).int({ error: 'must be an integer from 1 to 100000' }).min(1, { error: 'must be an integer from 1 to 100000' }).max(100_000, { error: 'must be an integer from 1 to 100000' }),
    metrics: minuteMetrics,
  },
  { error: 'must be an object of containers and metrics' },
);

const minute = z.object(
  {
    start: timestamp.refine((ms) => ms % MINUTE_MS === 0, { error: 'must be the start of a minute (seconds and milliseconds 0)' }),
    seq: z.number({ error: 'must be an integer from 1 to 2^31' }).int({ error: 'must be an integer from 1 to 2^31' }).min(1, { error: 'must be an integer from 1 to 2^31' }).max(2 ** 31, { error: 'must be an integer from 1 to 2^31' }),
    services: z
      .record(resourceName, minuteService)
      .refine((services) => Object.keys(services).length >= 1 && Object.keys(services).length <= MAX_MINUTE_SERVICES, {
        error: `must have from 1 to ${MAX_MINUTE_SERVICES} services`,
      })
      .refine((services) => Object.values(services).reduce((n, s) => n + Object.keys(s.metrics).length, 0) <= MAX_MINUTE_METRICS, {
        error: `must hold at most ${MAX_MINUTE_METRICS} (service, metric) pairs`,
      }),
  },
  { error: 'must be an object of start, seq and services' },
);

const batchFields = {
  node: resourceName,
  batchId: z.string({ error: 'must be a string' }).min(1, { error: 'must be 1-128 characters' }).max(128, { error: 'must be 1-128 characters' }).optional(),
};

/**
 * SPEC's batch of samples. Agents at their defaults post minutes, so this schema is built by the
 * first samples batch, not with the module.
 */
function buildSamplesBatch() {
  const customMetrics = z
    .record(
      z.string().regex(CUSTOM_METRIC_PATTERN, { error: 'custom metric names must match ^[A-Za-z_][A-Za-z0-9_.]{0,63}$' }).refine(
        (name) => !builtInNames.has(name),
        { error: 'custom metric names must not reuse a built-in metric name' },
      ),
      z.number({ error: 'must be a finite number' }).refine(storable, { error: 'must be a finite number: 0, or from 1e-100 to 2^53 either side of 0' }),
    )
    .refine((custom) => Object.keys(custom).length <= MAX_CUSTOM_METRICS, {
      error: `must have at most ${MAX_CUSTOM_METRICS} metrics`,
    });

  const sample = z
    .object(
      {
        ts: timestamp,
        service: resourceName,
        container: resourceName,
        cpu_ratio: nonNegative.optional(),
        mem_usage: nonNegative.optional(),
        mem_limit: nonNegative.optional(),
        mem_ratio: percent.optional(),
        net_read: nonNegative.optional(),
        net_write: nonNegative.optional(),
        blk_read: nonNegative.optional(),
        blk_write: nonNegative.optional(),
        custom: customMetrics.optional(),
      },
      { error: 'must be an object' },
    )
    .refine(
      (s) => BUILT_IN_METRICS.some((m) => s[m] !== undefined) || Object.keys(s.custom ?? {}).length > 0,
      { error: 'must carry at least one metric' },
    );

  return z.object(
    {
      ...batchFields,
      samples: z
        .array(sample, { error: 'must be an array of samples' })
        .min(1, { error: 'must have at least 1 sample' })
        .max(MAX_SAMPLES, { error: `must have at most ${MAX_SAMPLES} samples` }),
    },
    { error: 'must be a JSON object' },
  );
}
let samplesBatch: ReturnType<typeof buildSamplesBatch> | undefined;

const minutesBatch = z.object(
  {
    ...batchFields,
    minutes: z
      .array(minute, { error: 'must be an array of minutes' })
      .min(1, { error: 'must have at least 1 minute' })
      .max(MAX_MINUTES, { error: `must have at most ${MAX_MINUTES} minutes` })
      .refine((minutes) => new Set(minutes.map((m) => m.start)).size === minutes.length, { error: 'must not repeat a minute' }),
  },
  { error: 'must be a JSON object' },
);

/**
 * SPEC's batch of samples, or an agent's minutes: per (service, minute)
 * aggregates, cumulative, each post of a minute carrying a higher seq.
 * Exactly one of the two.
 */
export const metricsBatchSchema = z.unknown().transform((body, ctx): MetricsPost => {
  const has = (field: string) => typeof body === 'object' && body !== null && !Array.isArray(body) && field in body;
  if (has('samples') && has('minutes')) {
    ctx.addIssue({ code: 'custom', message: 'must not be sent with samples: a post carries samples or minutes, not both', path: ['minutes'] });
    return z.NEVER;
  }
  const schema = has('minutes') ? minutesBatch : (samplesBatch ??= buildSamplesBatch());
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message } as never);
    return z.NEVER;
  }
  return parsed.data;
});

export type SamplesBatch = z.output<ReturnType<typeof buildSamplesBatch>>;
export type MinutesBatch = z.output<typeof minutesBatch>;
type MetricsPost = SamplesBatch | MinutesBatch;

export type MetricsBatch = MetricsPost;
export type Sample = SamplesBatch['samples'][number];
export type Minute = MinutesBatch['minutes'][number];

/** Timestamps are judged against the injected clock, so this rule sits outside the static schema. */
export function timestampProblems(batch: MetricsBatch, now: number): ProblemDetail[] {
  const problems: ProblemDetail[] = [];
  if ('minutes' in batch) {
    batch.minutes.forEach((m, i) => {
      // A minute is taken while any of it is within the hour samples are.
      if (m.start + MINUTE_MS <= now - MAX_SAMPLE_AGE_MS) problems.push({ path: `minutes[${i}].start`, message: 'must be a minute that ended no more than 1h ago' });
      else if (m.start > now + MAX_SAMPLE_LEAD_MS) problems.push({ path: `minutes[${i}].start`, message: 'must be no more than 5m ahead' });
    });
    return problems;
  }
  batch.samples.forEach((s, i) => {
    if (s.ts < now - MAX_SAMPLE_AGE_MS) problems.push({ path: `samples[${i}].ts`, message: 'must be no older than 1h' });
    else if (s.ts > now + MAX_SAMPLE_LEAD_MS) problems.push({ path: `samples[${i}].ts`, message: 'must be no more than 5m ahead' });
  });
  return problems;
}
