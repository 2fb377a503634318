import * as z from 'zod';
import { formatDuration } from '../duration';
import { metricName } from '../names';
import { DEFAULT_POLICY_BOUNDS, HISTORY_MS, type PolicyBounds } from './defaults';
import { ruleWindow, type PolicyInput } from './schema';

// Two older policy formats that SPEC.md accepts in a service document and converts on PUT, so
// that configurations written for them keep working. Both were stored as strings as often as
// numbers (Alauda's API sends "0.6"; the Swarm autoscaler's row keeps "70%"), so both are taken.

/** What a legacy policy becomes: the native service bounds and policy, before defaults. */
export interface NativePolicyParts {
  min: number;
  max: number;
  policy: PolicyInput;
}

const decimal = z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/).transform(Number)], {
  error: 'must be a number, or a string holding one',
});
const wholeNumber = (min: number) =>
  decimal.pipe(z.number().int(`must be a whole number >= ${min}`).min(min, `must be a whole number >= ${min}`));

// Fractions to percents without floating-point dust: 0.6 × 100 is 60.00000000000001.
const toPercent = (fraction: number): number => Number((fraction * 100).toFixed(6));

const ALAUDA_METRICS = { CPU_UTILIZATION: 'cpu_ratio', MEMORY_UTILIZATION: 'mem_ratio' } as const;
const ALAUDA_STATISTICS = { MEAN: 'mean', AVERAGE: 'mean', MIN: 'min', MAX: 'max', SUM: 'sum', COUNT: 'count' } as const;

const upperCaseKey = <T extends Record<string, string>>(map: T, message: string) =>
  z.string().transform((s, ctx) => {
    const key = s.trim().toUpperCase();
    if (Object.hasOwn(map, key)) return map[key as keyof T];
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

/** Alauda's `autoscaling_config` (service API, 2015). */
export const alaudaAutoscalingConfig = z
  .strictObject({
    metric_name: upperCaseKey(ALAUDA_METRICS, 'must be CPU_UTILIZATION or MEMORY_UTILIZATION'),
    metric_stat: upperCaseKey(ALAUDA_STATISTICS, 'must be MEAN, MIN, MAX, SUM or COUNT').prefault('MEAN'),
    upper_threshold: decimal.pipe(z.number().min(0, 'must be a fraction >= 0, such as 0.6 for 60%')),
    lower_threshold: decimal.pipe(z.number().min(0, 'must be a fraction >= 0, such as 0.1 for 10%')),
    increase_delta: wholeNumber(1).default(1),
    decrease_delta: wholeNumber(1).default(1),
    minimum_num_instances: wholeNumber(0),
    maximum_num_instances: wholeNumber(1),
    // It becomes the cooldowns, which read the hour of scaling history Tide keeps.
    wait_period: wholeNumber(0)
      .pipe(z.number().max(HISTORY_MS / 1000, `must be at most ${HISTORY_MS / 1000} seconds: Tide keeps ${formatDuration(HISTORY_MS)} of scaling history`))
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.lower_threshold >= c.upper_threshold) {
      ctx.addIssue({ code: 'custom', path: ['lower_threshold'], message: 'lower_threshold must be less than upper_threshold' });
    }
    if (c.minimum_num_instances > c.maximum_num_instances) {
      ctx.addIssue({ code: 'custom', path: ['minimum_num_instances'], message: 'minimum_num_instances must not exceed maximum_num_instances' });
    }
  });
export type AlaudaAutoscalingConfig = z.output<typeof alaudaAutoscalingConfig>;

export function fromAlaudaConfig(c: AlaudaAutoscalingConfig): NativePolicyParts {
  const policy: PolicyInput = {
    rules: [
      {
        type: 'threshold',
        metric: c.metric_name,
        statistic: c.metric_stat,
        scaleOutAbove: toPercent(c.upper_threshold),
        increaseBy: c.increase_delta,
        scaleInBelow: toPercent(c.lower_threshold),
        decreaseBy: c.decrease_delta,
      },
    ],
  };
  // Alauda waits wait_period seconds after any scaling before the next one.
  if (c.wait_period !== undefined) {
    const wait = formatDuration(c.wait_period * 1000);
    policy.cooldown = { scaleOut: wait, scaleIn: wait };
  }
  return { min: c.minimum_num_instances, max: c.maximum_num_instances, policy };
}

const percentCondition = z.union([z.number(), z.string().trim().regex(/^\d+(\.\d+)?%?$/).transform((s) => Number.parseFloat(s))], {
  error: 'must be a percent such as "70%"',
});

/** A row of the Swarm autoscaler's `das` table (docker-swarm-autoscaler); its durations become rule windows. */
export const swarmPolicyRow = (bounds: PolicyBounds) =>
  z
    .strictObject({
      min_no: wholeNumber(0),
      max_no: wholeNumber(1),
      cond_item: metricName,
      out_cond: percentCondition,
      in_cond: percentCondition,
      out_duration: ruleWindow(bounds),
      in_duration: ruleWindow(bounds),
      // The old tool's bookkeeping, accepted and dropped: Tide keeps its own (target, replicas).
      seq: z.unknown().optional(),
      cur_no: z.unknown().optional(),
      service_id: z.unknown().optional(),
    })
    .superRefine((r, ctx) => {
      if (r.in_cond >= r.out_cond) ctx.addIssue({ code: 'custom', path: ['in_cond'], message: 'in_cond must be less than out_cond' });
      if (r.min_no > r.max_no) ctx.addIssue({ code: 'custom', path: ['min_no'], message: 'min_no must not exceed max_no' });
    });
export type SwarmPolicyRow = z.output<ReturnType<typeof swarmPolicyRow>>;

export const SWARM_ROW_KEYS = Object.keys(swarmPolicyRow(DEFAULT_POLICY_BOUNDS).shape);
const SWARM_BOOKKEEPING = ['seq', 'cur_no', 'service_id'];

export function fromSwarmRow(r: SwarmPolicyRow): NativePolicyParts {
  // The Swarm autoscaler compared mean(cond_item) over the duration and moved one replica at a time.
  return {
    min: r.min_no,
    max: r.max_no,
    policy: {
      rules: [
        {
          type: 'threshold',
          metric: r.cond_item,
          statistic: 'mean',
          scaleOutAbove: r.out_cond,
          outDuration: r.out_duration,
          increaseBy: 1,
          scaleInBelow: r.in_cond,
          inDuration: r.in_duration,
          decreaseBy: 1,
        },
      ],
    },
  };
}

/** The legacy fields found in a service document, and what they convert to. */
export interface LegacyConversion extends NativePolicyParts {
  format: 'alauda' | 'swarm';
  /** The document's fields that held the legacy policy, to drop once converted. */
  keys: string[];
}

/**
 * Finds a legacy policy in a service document: an Alauda `autoscaling_config` object, or the
 * Swarm autoscaler's row columns (`min_no`, `cond_item`, …) at the top level. Returns undefined
 * when there is none; throws a ZodError whose paths name the document's fields when it is invalid.
 * `bounds`: the deployment's, for the row's durations.
 */
export function convertLegacyPolicy(doc: Readonly<Record<string, unknown>>, bounds: PolicyBounds = DEFAULT_POLICY_BOUNDS): LegacyConversion | undefined {
  if ('autoscaling_config' in doc) {
    const { autoscaling_config } = z.object({ autoscaling_config: alaudaAutoscalingConfig }).parse(doc);
    return { format: 'alauda', keys: ['autoscaling_config'], ...fromAlaudaConfig(autoscaling_config) };
  }
  const keys = SWARM_ROW_KEYS.filter((k) => k in doc);
  if (keys.every((k) => SWARM_BOOKKEEPING.includes(k))) return undefined;
  const row = swarmPolicyRow(bounds).parse(Object.fromEntries(keys.map((k) => [k, doc[k]])));
  return { format: 'swarm', keys, ...fromSwarmRow(row) };
}
