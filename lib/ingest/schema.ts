import * as z from 'zod';
import type { ProblemDetail } from '../errors';
import { BUILT_IN_METRICS, CUSTOM_METRIC_PATTERN, resourceName } from '../names';
import { timestamp } from '../time';

export const MAX_SAMPLES = 1000;
export const MAX_CUSTOM_METRICS = 20;
export const MAX_SAMPLE_AGE_MS = 60 * 60 * 1000;
export const MAX_SAMPLE_LEAD_MS = 5 * 60 * 1000;

/**
 * The magnitudes an aggregate can hold. DynamoDB numbers span 1e-130 to
 * 1e126, to 38 significant digits; a min or max is stored as sent, and a sum
 * in fixed point (lib/store/aggregates.ts), exact for batches of up to 1000
 * values of at most 2^53 each. 2^53 bytes is 8 PiB.
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

export const metricsBatchSchema = z.object(
  {
    node: resourceName,
    batchId: z.string({ error: 'must be a string' }).min(1, { error: 'must be 1-128 characters' }).max(128, { error: 'must be 1-128 characters' }).optional(),
    samples: z
      .array(sample, { error: 'must be an array of samples' })
      .min(1, { error: 'must have at least 1 sample' })
      .max(MAX_SAMPLES, { error: `must have at most ${MAX_SAMPLES} samples` }),
  },
  { error: 'must be a JSON object' },
);

export type MetricsBatch = z.output<typeof metricsBatchSchema>;
export type Sample = MetricsBatch['samples'][number];

/** Timestamps are judged against the injected clock, so this rule sits outside the static schema. */
export function timestampProblems(batch: MetricsBatch, now: number): ProblemDetail[] {
  const problems: ProblemDetail[] = [];
  batch.samples.forEach((s, i) => {
    if (s.ts < now - MAX_SAMPLE_AGE_MS) problems.push({ path: `samples[${i}].ts`, message: 'must be no older than 1h' });
    else if (s.ts > now + MAX_SAMPLE_LEAD_MS) problems.push({ path: `samples[${i}].ts`, message: 'must be no more than 5m ahead' });
  });
  return problems;
}
