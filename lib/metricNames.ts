// The metrics every agent reports, and the names a custom metric may take: kept apart from the
// schemas in names.ts, so that ingest checks a post's metrics without loading zod.

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
