import * as z from 'zod';

/** Names of nodes, services, containers and namespaces, as SPEC.md allows them. */
export const resourceName = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_.:/-]{1,128}$/, { error: 'must be 1-128 characters of A-Z a-z 0-9 _ . : / -' });

export const namespaceName = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' });

export const BUILT_IN_METRICS = [
  'cpu_ratio',
  'mem_usage',
  'mem_limit',
  'mem_ratio',
  'net_read',
  'net_write',
  'blk_read',
  'blk_write',
] as const;

export type BuiltInMetric = (typeof BUILT_IN_METRICS)[number];

export const CUSTOM_METRIC_PATTERN = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;

/** A metric a policy or the metrics route can name: a built-in or a custom one. */
export const metricName = z
  .string({ error: 'must be a string' })
  .regex(CUSTOM_METRIC_PATTERN, { error: 'must be a built-in metric or match ^[A-Za-z_][A-Za-z0-9_.]{0,63}$' });
