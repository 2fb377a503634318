import { DEFAULT_RETENTION_SECONDS } from '../config';

/**
 * Every default a policy gets when a field is left out. The schema applies them on parse, so a
 * stored policy shows the values it runs with. They follow the Kubernetes HPA where it has one:
 *
 * - statistic `mean`: what "CPU is at 70%" means to most operators, and what the Swarm
 *   autoscaler queried (`mean(cpu_ratio)`).
 * - threshold `outDuration`/`inDuration` 5m: long enough that one noisy minute does not scale,
 *   short enough to react within a few evaluations; `increaseBy`/`decreaseBy` 1 replica.
 * - target `tolerance` 0.1, `window` 1m: HPA's tolerance, and a window that spans several agent
 *   reports (HPA reads a metrics-server window of about that size).
 * - step `window` 1m, as target.
 * - load `outWindow` 3m, `overshoot` 0, `inWindow` 45m, `inPercentile` 95, `hold` 10m,
 *   `scaleInGap` 5m, `hysteresis` 0.15, `perReplica` true: out on a few minutes' peak, in only to
 *   what the last 45 minutes needed in all but their busiest 5 % of minutes (a percentile ignores
 *   the odd spike, where the maximum would not), and never right after growing. Measured on the
 *   NASA trace (docs/BACKTEST.md); `perReplica` because most metrics (cpu_ratio, a container's
 *   requests per second) are reported per replica.
 * - load `prediction` (none unless given): `seasonal` and `bursts` both on, `mode` act, `days` 7,
 *   `recurOn` 3, `lookAhead` the policy's readinessDelay: a burst seen at the same minute on 3 of
 *   the last 7 days is a habit, not chance (two could be); a week covers every weekday once.
 * - cooldown 0s both ways: stabilization and rate limits already pace scaling; a cooldown is
 *   for platforms that need quiet time after a change (Alauda's `wait_period`).
 * - stabilization scale-out 0s, scale-in 5m: HPA's — react to load at once, give it back slowly.
 * - readinessDelay 1m: replicas added within the last minute are taken to be still starting,
 *   like HPA's initial readiness delay and AWS's warm-up, so no rule scales out again on the
 *   readings of replicas that are about to get help.
 * - missingMetrics hold: with no data, no rule can tell that fewer replicas would do, so none
 *   are removed; a fallback count is a choice only the operator knows to make.
 * - scaleToZero `after` 5m, once the policy has scaleToZero: KEDA's cooldownPeriod (300s).
 * - limits: HPA's defaults (scale out by 4 replicas or 100%, whichever is more; scale in
 *   unbounded), over 1m periods rather than HPA's 15s because Tide evaluates about once a minute.
 */
export const POLICY_DEFAULTS = {
  statistic: 'mean',
  threshold: { outDuration: '5m', inDuration: '5m', increaseBy: 1, decreaseBy: 1 },
  target: { tolerance: 0.1, window: '1m' },
  step: { window: '1m' },
  load: { perReplica: true, outWindow: '3m', overshoot: 0, inWindow: '45m', inPercentile: 95, hold: '10m', scaleInGap: '5m', hysteresis: 0.15 },
  prediction: { seasonal: true, bursts: true, mode: 'act', days: 7, recurOn: 3 },
  cooldown: { scaleOut: '0s', scaleIn: '0s' },
  stabilization: { scaleOut: '0s', scaleIn: '5m' },
  readinessDelay: '1m',
  missingMetrics: { behavior: 'hold' },
  scaleToZero: { after: '5m' },
  limits: {
    scaleOut: [
      { type: 'replicas', value: 4, period: '1m' },
      { type: 'percent', value: 100, period: '1m' },
    ],
    scaleIn: [{ type: 'percent', value: 100, period: '1m' }],
    selectPolicy: { scaleOut: 'max', scaleIn: 'max' },
  },
} as const;

/**
 * What a deployment lets a policy read, from its settings: a rule's window reaches back at most
 * as far as metrics are kept (TIDE_RETENTION_SECONDS), or it would be explained as if data
 * covered it. The durations that read the decision history (stabilization, cooldowns, limit
 * periods, readinessDelay) are bounded by the hour of history Tide keeps, whatever the setting.
 */
export interface PolicyBounds {
  retentionSeconds: number;
}

/** The bounds of a deployment that keeps metrics as long as TIDE_RETENTION_SECONDS's default. */
export const DEFAULT_POLICY_BOUNDS: PolicyBounds = { retentionSeconds: DEFAULT_RETENTION_SECONDS };

/**
 * How much decision history a service keeps for stabilization windows, rate-limit periods,
 * cooldowns and the readiness delay: the last hour, at most 120 entries. The evaluator and the
 * backtest keep the same, and the policy schema bounds those durations by it.
 */
export const HISTORY_MS = 60 * 60 * 1000;
export const HISTORY_ENTRIES = 120;
