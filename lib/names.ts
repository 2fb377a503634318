import * as z from 'zod';
import { CUSTOM_METRIC_PATTERN } from './metricNames';

/** Names of nodes, services, containers and namespaces, as SPEC.md allows them. */
export const resourceName = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_.:/-]{1,128}$/, { error: 'must be 1-128 characters of A-Z a-z 0-9 _ . : / -' });

export const namespaceName = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' });

export { BUILT_IN_METRICS, CUSTOM_METRIC_PATTERN, type BuiltInMetric } from './metricNames';

/** A metric a policy or the metrics route can name: a built-in or a custom one. */
export const metricName = z
  .string({ error: 'must be a string' })
  .regex(CUSTOM_METRIC_PATTERN, { error: 'must be a built-in metric or match ^[A-Za-z_][A-Za-z0-9_.]{0,63}$' });
