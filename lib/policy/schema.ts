import * as z from 'zod';
import { durationString, positiveDurationString } from '../duration';
import { metricName } from '../names';
import { POLICY_DEFAULTS as D } from './defaults';

// The policy part of a service document (SPEC.md, "Services and policies"). Parsing applies
// POLICY_DEFAULTS, so the parsed value is what decide() runs with and what a PUT stores.
// Objects are strict: a misspelt field ("scaleOutAbov") is an error, never silently ignored.

export const statistic = z.enum(['mean', 'min', 'max', 'sum', 'count']);

const COUNT_OR_PERCENT = 'must be a whole number of replicas such as 1, or a percent such as "50%"';
/**
 * A replica count (1) or a percent of the current replicas ("50%", rounded up, at least 1).
 * Every branch carries the message: zod reports the branch whose type matched, not the union's.
 */
const countOrPercent = z.union(
  [z.number().int(COUNT_OR_PERCENT).min(1, COUNT_OR_PERCENT), z.string().regex(/^[1-9]\d*%$/, COUNT_OR_PERCENT)],
  { error: COUNT_OR_PERCENT },
);

export const thresholdRule = z
  .strictObject({
    type: z.literal('threshold'),
    metric: metricName,
    statistic: statistic.default(D.statistic),
    scaleOutAbove: z.number().optional(),
    outDuration: positiveDurationString.default(D.threshold.outDuration),
    increaseBy: countOrPercent.default(D.threshold.increaseBy),
    scaleInBelow: z.number().optional(),
    inDuration: positiveDurationString.default(D.threshold.inDuration),
    decreaseBy: countOrPercent.default(D.threshold.decreaseBy),
  })
  .superRefine((rule, ctx) => {
    if (rule.scaleOutAbove === undefined && rule.scaleInBelow === undefined) {
      ctx.addIssue({ code: 'custom', path: ['scaleOutAbove'], message: 'a threshold rule needs scaleOutAbove, scaleInBelow or both' });
    }
    if (rule.scaleOutAbove !== undefined && rule.scaleInBelow !== undefined && rule.scaleInBelow >= rule.scaleOutAbove) {
      ctx.addIssue({ code: 'custom', path: ['scaleInBelow'], message: 'scaleInBelow must be less than scaleOutAbove, or the rule would scale out and in at once' });
    }
  });

export const targetRule = z.strictObject({
  type: z.literal('target'),
  metric: metricName,
  target: z.number().positive('must be a number > 0: the value each replica should carry'),
  tolerance: z.number().min(0, 'must be at least 0 and less than 1').lt(1, 'must be at least 0 and less than 1').default(D.target.tolerance),
  statistic: statistic.default(D.statistic),
  window: positiveDurationString.default(D.target.window),
});

/** Relative to the current replicas: a count (+1, -1), a percent ("+100%", "-25%"), or an absolute {exact: N}. */
const STEP_CHANGE = 'must be a whole number of replicas such as 1 or -1, a percent such as "+100%" or "-25%", or {"exact": N}';
export const stepChange = z.union(
  [
    z.number().int(STEP_CHANGE),
    z.string().regex(/^[+-][1-9]\d*%$/, STEP_CHANGE),
    z.strictObject({ exact: z.number().int('must be a whole number >= 0').min(0, 'must be a whole number >= 0') }),
  ],
  { error: STEP_CHANGE },
);

export const step = z
  .strictObject({ above: z.number().optional(), below: z.number().optional(), change: stepChange })
  .superRefine((s, ctx) => {
    if ((s.above === undefined) === (s.below === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['above'], message: 'a step has exactly one of above or below' });
    }
  });

export const stepRule = z.strictObject({
  type: z.literal('step'),
  metric: metricName,
  statistic: statistic.default(D.statistic),
  window: positiveDurationString.default(D.step.window),
  // Order matters: the first step that matches sets the change.
  steps: z.array(step).min(1, 'a step rule needs at least one step').max(20),
});

export const rule = z.discriminatedUnion('type', [thresholdRule, targetRule, stepRule], {
  error: 'must be a rule with type "threshold", "target" or "step"',
});

export const limitPolicy = z.strictObject({
  type: z.enum(['replicas', 'percent']),
  value: z.number().int().min(1),
  period: positiveDurationString,
});

// HPA's selectPolicy: `max` picks the limit allowing the largest change, `min` the smallest,
// `disabled` forbids scaling in that direction.
export const selectPolicy = z.enum(['max', 'min', 'disabled']);

// An empty list means no rate limit in that direction.
export const limits = z.strictObject({
  scaleOut: z.array(limitPolicy).max(10).prefault(() => D.limits.scaleOut.map((p) => ({ ...p }))),
  scaleIn: z
    .array(limitPolicy)
    .max(10)
    .prefault(() => D.limits.scaleIn.map((p) => ({ ...p })))
    .superRefine((policies, ctx) => {
      policies.forEach((p, i) => {
        if (p.type === 'percent' && p.value > 100) {
          ctx.addIssue({ code: 'custom', path: [i, 'value'], message: 'a scale-in limit cannot remove more than 100% of the replicas' });
        }
      });
    }),
  selectPolicy: z
    .strictObject({
      scaleOut: selectPolicy.default(D.limits.selectPolicy.scaleOut),
      scaleIn: selectPolicy.default(D.limits.selectPolicy.scaleIn),
    })
    .prefault({}),
});

const perDirection = (defaults: { scaleOut: string; scaleIn: string }) =>
  z.strictObject({ scaleOut: durationString.default(defaults.scaleOut), scaleIn: durationString.default(defaults.scaleIn) });

export const policySchema = z.strictObject({
  rules: z.array(rule).min(1, 'a policy needs at least one rule').max(20),
  cooldown: perDirection(D.cooldown).prefault({}),
  stabilization: perDirection(D.stabilization).prefault({}),
  limits: limits.prefault({}),
  readinessDelay: durationString.default(D.readinessDelay),
});

/**
 * A policy as a service document may hold it: a manual service is scaled by
 * webhooks and operators only, so it may keep a policy with no rules. The
 * service document says when a rule is needed.
 */
export const policyWithoutRulesSchema = policySchema.extend({ rules: z.array(rule).max(20) });

/** A policy as decide() runs it: parsed, every default applied. */
export type Policy = z.output<typeof policySchema>;
/** A policy as a client may write it. */
export type PolicyInput = z.input<typeof policySchema>;
export type Rule = z.output<typeof rule>;
export type ThresholdRule = z.output<typeof thresholdRule>;
export type TargetRule = z.output<typeof targetRule>;
export type StepRule = z.output<typeof stepRule>;
export type StepChange = z.output<typeof stepChange>;
export type Statistic = z.output<typeof statistic>;
export type LimitPolicy = z.output<typeof limitPolicy>;
export type SelectPolicy = z.output<typeof selectPolicy>;
