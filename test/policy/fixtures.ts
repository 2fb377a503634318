import { formatDuration } from '../../lib/duration';
import { decide } from '../../lib/policy/decide';
import { policySchema } from '../../lib/policy/schema';
import type { Recommendation, ScalingRecord } from '../../lib/policy/history';
import type { Decision, Observations } from '../../lib/policy/types';

/** The fixed clock every test decides at. */
export const NOW = Date.parse('2026-11-22T10:00:00Z');
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/** Readings keyed the way Decision.metrics names them: "cpu_ratio.mean.10m". Missing keys have no data. */
export function readings(values: Record<string, number | undefined>): Observations {
  return { value: (metric, statistic, windowMs) => values[`${metric}.${statistic}.${formatDuration(windowMs)}`], buckets: () => [] };
}

export interface Case {
  /** As a client writes it; parsed (and so validated) here. */
  policy: unknown;
  values?: Record<string, number | undefined>;
  current?: number;
  min?: number;
  max?: number;
  recommendations?: Recommendation[];
  scalings?: ScalingRecord[];
  now?: number;
}

/** decide() with a schema-parsed policy and quiet defaults: 3 replicas, bounds 0..100, no history. */
export function decideCase(c: Case): Decision {
  return decide({
    policy: policySchema.parse(c.policy),
    min: c.min ?? 0,
    max: c.max ?? 100,
    currentReplicas: c.current ?? 3,
    observations: readings(c.values ?? {}),
    history: { recommendations: c.recommendations ?? [], scalings: c.scalings ?? [] },
    now: c.now ?? NOW,
  });
}
