import * as z from 'zod';
import { formatDuration, parseDuration } from '../duration';
import { durationAtMost, positiveDurationString } from '../durationSchema';
import { metricName } from '../names';
import { secretReference } from '../secretReference';
import { STATISTICS } from '../statistics';
import { apiUrl } from '../targets/fields';
import { DEFAULT_POLICY_BOUNDS, HISTORY_MS, POLICY_DEFAULTS as D, type PolicyBounds } from './defaults';

// The policy part of a service document (SPEC.md, "Services and policies"). Parsing applies
// POLICY_DEFAULTS, so the parsed value is what decide() runs with and what a PUT stores; the
// evaluator runs it as stored while the document's stamp matches (stored.ts), so a change here to
// what an unchanged input parses to needs POLICY_SCHEMA_REVISION bumped there.
// Objects are strict: a misspelt field ("scaleOutAbov") is an error, never silently ignored.
// Every duration has an upper bound where its meaning stops (see PolicyBounds).

export const statistic = z.enum(STATISTICS);

const COUNT_OR_PERCENT = 'must be a whole number of replicas such as 1, or a percent such as "50%"';
/**
 * A replica count (1) or a percent of the current replicas ("50%", rounded up, at least 1).
 * Every branch carries the message: zod reports the branch whose type matched, not the union's.
 */
const countOrPercent = z.union(
  [z.number().int(COUNT_OR_PERCENT).min(1, COUNT_OR_PERCENT), z.string().regex(/^[1-9]\d*%$/, COUNT_OR_PERCENT)],
  { error: COUNT_OR_PERCENT },
);

/** A rule's window: longer than zero, and no longer than the metrics are kept. */
export function ruleWindow(bounds: PolicyBounds): z.ZodString {
  const retention = formatDuration(bounds.retentionSeconds * 1000);
  return durationAtMost(bounds.retentionSeconds * 1000, `metrics are kept ${retention} (TIDE_RETENTION_SECONDS)`, positiveDurationString);
}

/**
 * Stabilization windows, rate-limit periods, cooldowns and the readiness delay look back over
 * the decision history, which holds the last hour: a longer one would act as one hour.
 */
const HISTORY_RULE = `Tide keeps ${formatDuration(HISTORY_MS)} of scaling history`;
const historySpan = durationAtMost(HISTORY_MS, HISTORY_RULE);
const historyPeriod = durationAtMost(HISTORY_MS, HISTORY_RULE, positiveDurationString);

/**
 * Where a rule's metric comes from when not from Tide's agents. The evaluator reads every source
 * before deciding and hands the values to decide() as buckets of the rule's metric, so the rules
 * read them as they read the agents' (lib/metrics/sources/). One variant per source type.
 */
const CLOUDWATCH_PERIOD = 'must be 1s, 5s, 10s, 20s, 30s or a whole number of minutes such as "60s" or "5m": the periods CloudWatch aggregates over';
const CLOUDWATCH_STATISTIC = 'must be Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p90 or p99.9';
const cloudWatchSource = z.strictObject({
  type: z.literal('cloudwatch'),
  namespace: z.string().min(1).max(255).regex(/^[^:]/, 'must not start with ":"'),
  metricName: z.string().min(1).max(255),
  dimensions: z
    .record(z.string().min(1).max(255), z.string().min(1).max(1024))
    .refine((d) => Object.keys(d).length <= 30, 'CloudWatch takes at most 30 dimensions')
    .optional(),
  statistic: z.string().regex(/^(Average|Sum|Minimum|Maximum|SampleCount|p(100|\d{1,2})(\.\d{1,2})?)$/, CLOUDWATCH_STATISTIC),
  period: positiveDurationString.refine((p) => {
    const seconds = parseDuration(p) / 1000;
    return [1, 5, 10, 20, 30].includes(seconds) || (Number.isInteger(seconds / 60) && seconds >= 60);
  }, CLOUDWATCH_PERIOD),
  /** Unset: the deployment's own region (AWS_REGION). */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as "us-east-1"').optional(),
});

const PROMETHEUS_TIMEOUT_MS = 10_000;
const USER_NAME = 'must be the user name, as text: only the password is a secret';
/**
 * A PromQL instant query (lib/metrics/sources/prometheus.ts): its answer must be one number, a
 * vector of one sample or a scalar. The query holds its own window (`rate(…[2m])`); the rule reads
 * the value at each evaluation. Credentials are secret references, never the secret.
 */
const prometheusSource = z.strictObject({
  type: z.literal('prometheus'),
  url: apiUrl,
  query: z.string('must be a PromQL expression').trim().min(1, 'must be a PromQL expression').max(10_000, 'must be at most 10000 characters'),
  credential: z
    .union([z.strictObject({ bearer: secretReference }), z.strictObject({ basic: z.strictObject({ username: z.string(USER_NAME).min(1, USER_NAME), password: secretReference }) })], {
      error: 'must be {"bearer": "ssm:…"} or {"basic": {"username": "…", "password": "ssm:…"}}',
    })
    .optional(),
  timeout: durationAtMost(PROMETHEUS_TIMEOUT_MS, 'an evaluation waits for every source before deciding', positiveDurationString).default('5s'),
});

export const ruleSource = z.discriminatedUnion('type', [cloudWatchSource, prometheusSource], { error: 'must be a source with type "cloudwatch" or "prometheus"' });

const PER = 'must be "replica" (the value is what each replica carries, such as CPU) or "service" (the whole service\'s, such as a queue\'s depth)';
/** The fields every rule may carry: its metric's source, and whether its value is per replica or the service's total. */
const sourced = {
  source: ruleSource.optional(),
  per: z.enum(['replica', 'service'], { error: PER }).optional(),
  /** At 0 replicas the service wakes only when the rule's value is above this (KEDA's activation); 0 unless given. */
  activationThreshold: z.number('must be a number: at 0 replicas, the value above which the rule wakes the service').optional(),
};

/** A rule with a source says what its value is per; each window must hold at least one of the source's periods. */
function checkSource(rule: { source?: RuleSource | undefined; per?: string | undefined }, windows: Record<string, string>, ctx: z.RefinementCtx): void {
  if (rule.source === undefined) return;
  if (rule.per === undefined) ctx.addIssue({ code: 'custom', path: ['per'], message: `a rule with a source needs per: ${PER.slice('must be '.length)}` });
  if (rule.source.type !== 'cloudwatch') return;
  const period = parseDuration(rule.source.period);
  for (const [field, window] of Object.entries(windows)) {
    if (parseDuration(window) < period) {
      ctx.addIssue({ code: 'custom', path: [field], message: `must be at least the source's period (${rule.source.period}), or it may hold no datapoint` });
    }
  }
}

const thresholdRule = (window: z.ZodString) =>
  z
    .strictObject({
      type: z.literal('threshold'),
      metric: metricName,
      ...sourced,
      statistic: statistic.default(D.statistic),
      scaleOutAbove: z.number().optional(),
      outDuration: window.default(D.threshold.outDuration),
      increaseBy: countOrPercent.default(D.threshold.increaseBy),
      scaleInBelow: z.number().optional(),
      inDuration: window.default(D.threshold.inDuration),
      decreaseBy: countOrPercent.default(D.threshold.decreaseBy),
    })
    .superRefine((rule, ctx) => {
      checkSource(rule, { outDuration: rule.outDuration, inDuration: rule.inDuration }, ctx);
      if (rule.scaleOutAbove === undefined && rule.scaleInBelow === undefined) {
        ctx.addIssue({ code: 'custom', path: ['scaleOutAbove'], message: 'a threshold rule needs scaleOutAbove, scaleInBelow or both' });
      }
      if (rule.scaleOutAbove !== undefined && rule.scaleInBelow !== undefined && rule.scaleInBelow >= rule.scaleOutAbove) {
        ctx.addIssue({ code: 'custom', path: ['scaleInBelow'], message: 'scaleInBelow must be less than scaleOutAbove, or the rule would scale out and in at once' });
      }
    });

const FRACTION = 'must be at least 0 and less than 1';
const fraction = z.number(FRACTION).min(0, FRACTION).lt(1, FRACTION);
const TOLERANCE = 'must be a number at least 0 and less than 1, or {"scaleOut": n, "scaleIn": n} with each such a number';

/** With per "service" the value is the whole service's (a queue's depth) and target is what one replica handles: ceil(value / target) replicas. */
const targetRule = (window: z.ZodString) =>
  z
    .strictObject({
      type: z.literal('target'),
      metric: metricName,
      ...sourced,
      target: z.number().positive('must be a number > 0: the value each replica should carry'),
      tolerance: z.union([fraction, z.strictObject({ scaleOut: fraction, scaleIn: fraction })], { error: TOLERANCE }).default(D.target.tolerance),
      statistic: statistic.default(D.statistic),
      window: window.default(D.target.window),
    })
    .superRefine((rule, ctx) => checkSource(rule, { window: rule.window }, ctx));

const WHOLE_DAYS = (from: number, to: number) => `must be a whole number of days from ${from} to ${to}`;
const days = (from: number, to: number) => z.number(WHOLE_DAYS(from, to)).int(WHOLE_DAYS(from, to)).min(from, WHOLE_DAYS(from, to)).max(to, WHOLE_DAYS(from, to));
const PREDICTION_MODE = 'must be "act" (the forecast sets a floor on the replicas) or "forecastOnly" (the forecast is recorded beside each decision and changes nothing)';

/**
 * A load rule's prediction (forecast.ts): a floor on its proposal from the load of past days,
 * kept as per-minute rollups for 14 days. It only ever adds replicas. lookAhead defaults to the
 * policy's readinessDelay: a replica asked for now serves that much later.
 */
const prediction = z
  .strictObject({
    seasonal: z.boolean('must be true or false').default(D.prediction.seasonal),
    bursts: z.boolean('must be true or false').default(D.prediction.bursts),
    mode: z.enum(['act', 'forecastOnly'], { error: PREDICTION_MODE }).default(D.prediction.mode),
    lookAhead: historySpan.optional(),
    days: days(2, 14).default(D.prediction.days),
    recurOn: days(2, 14).default(D.prediction.recurOn),
  })
  .superRefine((p, ctx) => {
    if (!p.seasonal && !p.bursts) ctx.addIssue({ code: 'custom', path: ['seasonal'], message: 'a prediction needs seasonal, bursts or both: leave prediction out to have none' });
    if (p.recurOn > p.days) ctx.addIssue({ code: 'custom', path: ['recurOn'], message: 'recurOn must be at most days: a burst is remembered when it recurred on recurOn of the last `days` days' });
  });

/**
 * Sized to the load: out at once to what the peak of a short window needs, in only to what a low
 * percentile of a long window needs, after a hold and a gap, past a hysteresis band (rules.ts).
 */
const loadRule = (window: z.ZodString) =>
  z
    .strictObject({
      type: z.literal('load'),
      metric: metricName,
      statistic: statistic.default(D.statistic),
      // `per` says the same as perReplica, in the words every rule with a source uses.
      perReplica: z.boolean().optional(),
      ...sourced,
      target: z.number().positive('must be a number > 0: the load each replica should carry'),
      outWindow: window.default(D.load.outWindow),
      overshoot: z.number().min(0, 'must be at least 0').max(1, 'must be at most 1 (100% more)').default(D.load.overshoot),
      inWindow: window.default(D.load.inWindow),
      inPercentile: z.number().min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100').default(D.load.inPercentile),
      hold: historySpan.default(D.load.hold),
      scaleInGap: historySpan.default(D.load.scaleInGap),
      hysteresis: fraction.default(D.load.hysteresis),
      // Optional, none when left out: a stored rule keeps the fields it had.
      noiseHeadroom: z.number().min(0, 'must be from 0 to 2').max(2, 'must be from 0 to 2').optional(),
      prediction: prediction.optional(),
    })
    .superRefine((rule, ctx) => {
      checkSource(rule, { outWindow: rule.outWindow, inWindow: rule.inWindow }, ctx);
      if (parseDuration(rule.inWindow) < parseDuration(rule.outWindow)) {
        ctx.addIssue({ code: 'custom', path: ['inWindow'], message: 'inWindow must be at least outWindow: the low percentile is taken over the longer window' });
      }
      if (rule.per !== undefined && rule.perReplica !== undefined && rule.perReplica !== (rule.per === 'replica')) {
        ctx.addIssue({ code: 'custom', path: ['per'], message: `per "${rule.per}" contradicts perReplica ${rule.perReplica}: give one of them` });
      }
    })
    // perReplica keeps its place among the fields, as stored before `per` existed.
    .transform(({ type, metric, statistic, perReplica, ...rest }) => ({
      type,
      metric,
      statistic,
      perReplica: perReplica ?? (rest.per === undefined ? D.load.perReplica : rest.per === 'replica'),
      ...rest,
    }));

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

const stepRule = (window: z.ZodString) =>
  z
    .strictObject({
      type: z.literal('step'),
      metric: metricName,
      ...sourced,
      statistic: statistic.default(D.statistic),
      window: window.default(D.step.window),
      // Order matters: the first step that matches sets the change.
      steps: z.array(step).min(1, 'a step rule needs at least one step').max(20),
    })
    .superRefine((rule, ctx) => checkSource(rule, { window: rule.window }, ctx));

const ruleWithin = (bounds: PolicyBounds) => {
  const window = ruleWindow(bounds);
  return z.discriminatedUnion('type', [thresholdRule(window), targetRule(window), stepRule(window), loadRule(window)], {
    error: 'must be a rule with type "threshold", "target", "step" or "load"',
  });
};

export const limitPolicy = z.strictObject({
  type: z.enum(['replicas', 'percent']),
  value: z.number().int().min(1),
  period: historyPeriod,
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

/**
 * What a decision does when no rule has data (the agents stopped reporting, or the metric is
 * misnamed): hold the replicas (no scale-in on no data), or, as KEDA's fallback, go to a fixed
 * count once that many evaluations in a row had none. The count is of the history Tide keeps.
 */
const MISSING_METRICS = 'must be {"behavior": "hold"} or {"behavior": "fallback", "replicas": N, "afterReads": N}';
const missingMetrics = z.discriminatedUnion(
  'behavior',
  [
    z.strictObject({ behavior: z.literal('hold') }),
    z.strictObject({
      behavior: z.literal('fallback'),
      replicas: z.number('must be a whole number >= 0').int('must be a whole number >= 0').min(0, 'must be a whole number >= 0'),
      afterReads: z
        .number('must be a whole number from 1 to 60')
        .int('must be a whole number from 1 to 60')
        .min(1, 'must be a whole number from 1 to 60')
        .max(60, `must be at most 60: ${HISTORY_RULE}, 60 evaluations at one a minute`),
    }),
  ],
  { error: MISSING_METRICS },
);

const perDirection = (defaults: { scaleOut: string; scaleIn: string }) =>
  z.strictObject({ scaleOut: historySpan.default(defaults.scaleOut), scaleIn: historySpan.default(defaults.scaleIn) });

/** Rules read a metric by its name: two rules naming one metric must read it from the same place. */
function oneSourcePerMetric(rules: ReadonlyArray<{ metric: string; source?: RuleSource | undefined }>, ctx: z.RefinementCtx): void {
  const first = new Map<string, string>();
  rules.forEach((rule, i) => {
    const where = JSON.stringify(rule.source ?? null);
    const seen = first.get(rule.metric);
    if (seen === undefined) first.set(rule.metric, where);
    else if (seen !== where) {
      ctx.addIssue({ code: 'custom', path: [i, 'source'], message: `another rule reads ${rule.metric} from elsewhere: give each source's value its own metric name` });
    }
  });
}

/**
 * Only a rule whose value is the whole service's, read from a source, has a value at 0 replicas
 * (the agents report from the replicas): an activation threshold anywhere else could never act.
 */
function activationWhereItWakes(rules: ReadonlyArray<{ source?: RuleSource | undefined; per?: string | undefined; activationThreshold?: number | undefined }>, ctx: z.RefinementCtx): void {
  rules.forEach((rule, i) => {
    if (rule.activationThreshold !== undefined && (rule.source === undefined || rule.per !== 'service')) {
      ctx.addIssue({ code: 'custom', path: [i, 'activationThreshold'], message: 'needs a rule with a source and per "service": only a value the whole service reports (a queue\'s depth) is read while no replica runs' });
    }
  });
}

/**
 * The delay before 1 → 0: the rules must have asked for 0 replicas that long without a break,
 * counted from the service's last scale-out, so a webhook that wakes it is not undone at the next
 * evaluation (zero.ts). KEDA's cooldownPeriod; the idle time is read from the decision history.
 */
const SCALE_TO_ZERO_MAX_MS = HISTORY_MS / 2;
const scaleToZero = z.strictObject({
  after: durationAtMost(SCALE_TO_ZERO_MAX_MS, `the idle time is counted in the ${formatDuration(HISTORY_MS)} of decisions Tide keeps`).default(D.scaleToZero.after),
});

function buildPolicySchemas(bounds: PolicyBounds) {
  const rule = ruleWithin(bounds);
  const policy = z.strictObject({
    rules: z.array(rule).min(1, 'a policy needs at least one rule').max(20).superRefine(oneSourcePerMetric).superRefine(activationWhereItWakes),
    cooldown: perDirection(D.cooldown).prefault({}),
    stabilization: perDirection(D.stabilization).prefault({}),
    limits: limits.prefault({}),
    readinessDelay: historySpan.default(D.readinessDelay),
    missingMetrics: missingMetrics.prefault(() => ({ ...D.missingMetrics })),
    scaleToZero: scaleToZero.optional(),
  });
  // A manual service is scaled by webhooks and operators only, so it may keep a policy with
  // no rules; the service document says when a rule is needed.
  return { policy, withoutRules: policy.extend({ rules: z.array(rule).max(20).superRefine(oneSourcePerMetric).superRefine(activationWhereItWakes) }) };
}

const built = new Map<number, ReturnType<typeof buildPolicySchemas>>();
function policySchemas(bounds: PolicyBounds): ReturnType<typeof buildPolicySchemas> {
  let schemas = built.get(bounds.retentionSeconds);
  if (!schemas) {
    schemas = buildPolicySchemas(bounds);
    built.set(bounds.retentionSeconds, schemas);
  }
  return schemas;
}

/** The policy schema of a deployment that keeps metrics `bounds.retentionSeconds`. */
export const policySchemaWithin = (bounds: PolicyBounds) => policySchemas(bounds).policy;
/** The same, for a service document's policy, which may have no rules (a manual service). */
export const policyWithoutRulesSchemaWithin = (bounds: PolicyBounds) => policySchemas(bounds).withoutRules;
/** The policy schema of a deployment with the default retention (24 h). */
export const policySchema = policySchemaWithin(DEFAULT_POLICY_BOUNDS);

/** A policy as decide() runs it: parsed, every default applied. */
export type Policy = z.output<typeof policySchema>;
/** A policy as a client may write it. */
export type PolicyInput = z.input<typeof policySchema>;
export type Rule = z.output<ReturnType<typeof ruleWithin>>;
export type ThresholdRule = z.output<ReturnType<typeof thresholdRule>>;
export type TargetRule = z.output<ReturnType<typeof targetRule>>;
export type StepRule = z.output<ReturnType<typeof stepRule>>;
export type LoadRule = z.output<ReturnType<typeof loadRule>>;
export type Prediction = z.output<typeof prediction>;
export type RuleSource = z.output<typeof ruleSource>;
export type CloudWatchSource = z.output<typeof cloudWatchSource>;
export type PrometheusSource = z.output<typeof prometheusSource>;
export type StepChange = z.output<typeof stepChange>;
export type MissingMetrics = z.output<typeof missingMetrics>;
export type ScaleToZero = z.output<typeof scaleToZero>;
export type LimitPolicy = z.output<typeof limitPolicy>;
export type SelectPolicy = z.output<typeof selectPolicy>;
