import type { Tide } from '../app';
import { parseDuration } from '../duration';
import { fnv1a } from '../hash';
import { readSources, serviceKey, sourcedMetrics, withSourceBuckets, withSourceProblems, type ServiceReadings } from '../metrics/sources';
import { logger } from '../observability';
// The policy's modules themselves, not lib/policy's index, which loads the schemas: a stored
// policy is run as stored, and parsed again (reparse.ts, imported then) only when its stamp is stale.
import { decide } from '../policy/decide';
import type { History } from '../policy/history';
import { observationsFromBuckets } from '../policy/observations';
import { loadRulesWithPrediction } from '../policy/pastLoad';
import { ruleWindows } from '../policy/rules';
import type { Rule } from '../policy/schema';
import { activeSchedule, scheduledBounds } from '../policy/schedules';
import { advanceShadows, LOAD_METRIC, SCORING_LOOKBACK_MS } from '../policy/shadow';
import { storedPolicies, type RunnablePolicies } from '../policy/stored';
import type { Decision } from '../policy/types';
import { providerFor } from '../providers/context';
import type { ScaleOutcome } from '../scaling/engine';
import { previewServiceScaling, scaleService, type ScaleIntent } from '../scaling/service';
import type { ServiceState } from '../store/serviceState';
import type { StoredService } from '../store/services';
import { bucketStartOf, type MetricBucket } from '../statistics';
import { publishDecision } from './cloudWatch';
import { hourToRollUp, pastLoadsFrom, readPastLoads, rolledUpLoads, rollUpHour } from './rollups';
import { readWindows, type WindowNeeded } from './windows';

/** What one evaluation of one service came to, as `POST /v1/evaluate` returns it. */
export interface EvaluationResult {
  namespace: string;
  service: string;
  mode: StoredService['mode'];
  status: ScaleOutcome['status'] | 'error';
  /** null when the service was busy or its replicas could not be read; absent when the evaluation itself failed. */
  from?: number | null;
  to?: number | null;
  reason: string;
  detail?: string;
  metrics?: Decision['metrics'];
}

export interface EvaluateOptions {
  /** Lease owner id: one per invocation. */
  owner: string;
  /** When the invocation must have answered, on Tide's clock; each service also has a deadline of its own. */
  deadline: number;
  /**
   * An on-demand what-if: decide for every service evaluated and write
   * nothing. (A service in mode dry-run records its decisions when evaluated
   * for real, on schedule or on demand.)
   */
  dryRun?: boolean;
  namespace?: string;
  /** Only these services (by name). */
  services?: readonly string[];
  /** Only services whose interval matches this offset into the minute (ms); undefined = all. */
  offsetMs?: number;
  /** Only the services of one worker's shard. */
  shard?: { index: number; count: number };
  /** What the rules' sources gave, read once for every service evaluated (evaluateServices); unset, a service reads its own. */
  sources?: Map<string, ServiceReadings>;
  /** Every service, as the caller listed them at this tick's start; unset, evaluateServices lists them. */
  listed?: readonly StoredService[];
  /** The service's state, read for every service evaluated at once (evaluateServices); unset, read under the lease. */
  state?: ServiceState;
  /** Every service's buckets, read at once (evaluateServices, lib/evaluator/windows.ts); unset, a service reads its own. */
  buckets?: Map<string, MetricBucket[]>;
  /** The tick's moment, at which the sim reported and the buckets were read (evaluateServices); unset, the service's evaluation reads the clock. */
  now?: number;
}

/** Services evaluated at once by one invocation: the work is waiting on DynamoDB and platforms. */
const CONCURRENCY = 16;

/** Evaluates every matching service in auto or dry-run mode; one service's failure never stops the others. */
export async function evaluateServices(app: Tide, options: EvaluateOptions): Promise<EvaluationResult[]> {
  const services = (options.listed ?? (await app.services.list(options.namespace))).filter(
    (svc) =>
      svc.mode !== 'manual' &&
      (options.namespace === undefined || svc.namespace === options.namespace) &&
      (options.services === undefined || options.services.includes(svc.service)) &&
      (options.shard === undefined || workerOfService(svc, options.shard.count, app) === options.shard.index) &&
      (options.offsetMs === undefined || options.offsetMs % parseDuration(svc.evaluationInterval) === 0),
  );
  const whatIf = options.dryRun === true;
  const policies = await runnablePolicies(app, services);
  // One moment for the whole tick: the sim's readings are stamped with the time the services decide at, so however
  // slowly the tick runs they fall in the bucket of that decision, and a shadow reads them the same way every time.
  const now = app.now();
  // A platform without node agents reports its metrics itself, before they are read; a what-if decides on those already reported, as that is a write.
  if (!whatIf) await Promise.all(services.map((svc) => reportMetrics(app, svc, now)));
  // Every service's sources before any decision: one CloudWatch call a region for all of them.
  const sources = await readSources(app, services.map((svc) => ({ key: serviceKey(svc), rules: rulesOf(policies.get(serviceKey(svc))) })), now);
  // Every service's buckets in one read per namespace and shard, recent minutes only once this container has read the rest.
  const windows = services.flatMap((svc) => {
    const runnable = policies.get(serviceKey(svc));
    return runnable && !('problem' in runnable) ? [readPlanOf(app, svc, runnable, now, whatIf).window] : [];
  });
  const buckets = await readWindows(app, windows, now);
  // Every state in one read per hundred services: most evaluations decide on it and write nothing.
  // Eventually consistent, at half the price: a plan that changes anything is made again on the
  // lease's strongly consistent read, and one that missed a write of the last second is made again
  // at the next tick.
  const states = await app.serviceStates.getMany(services, { eventually: true });
  const results: EvaluationResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < services.length) {
      const svc = services[next++] as StoredService;
      // Never past the moment the service is due again: a slow platform delays its own service only.
      const deadline = Math.min(options.deadline, app.now() + parseDuration(svc.evaluationInterval));
      results.push(await evaluateService(app, svc, policies.get(serviceKey(svc)), { ...options, deadline, sources, buckets, state: states.get(serviceKey(svc)), now }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, services.length) }, worker));
  return results.sort((a, b) => (a.namespace + a.service < b.namespace + b.service ? -1 : 1));
}

async function evaluateService(app: Tide, svc: StoredService, policies: RunnablePolicies | undefined, options: EvaluateOptions): Promise<EvaluationResult> {
  const base = { namespace: svc.namespace, service: svc.service, mode: svc.mode };
  if (policies === undefined) return { ...base, status: 'unchanged', reason: 'no policy' };
  if ('problem' in policies) return { ...base, status: 'error', reason: 'the stored policy no longer parses; PUT the service again', detail: policies.problem };
  const whatIf = options.dryRun === true;
  const now = options.now ?? app.now();
  const { policy, shadows, rollUp, allRules, window } = readPlanOf(app, svc, policies, now, whatIf);
  try {
    const provider = providerFor(app, svc);
    // A metric a rule reads from a source is that source's values only.
    const sourced = new Set(sourcedMetrics(allRules.rules).keys());
    const readings = sourced.size === 0 ? undefined : (options.sources ?? (await readSources(app, [{ key: serviceKey(svc), rules: allRules.rules }], now))).get(serviceKey(svc));
    const stored = options.buckets?.get(serviceKey(svc)) ?? (await readWindows(app, [window], now)).get(serviceKey(svc)) ?? [];
    const buckets = withSourceBuckets(stored, readings, sourced);
    const bucketMs = app.config.bucketSeconds * 1000;
    const observations = observationsFromBuckets(buckets, now, bucketMs);
    const past = loadRulesWithPrediction(allRules).length > 0 ? await readPastLoads(app, svc, allRules, now) : undefined;
    let history: History | undefined;
    let decided: { current: number; decision: Decision } | undefined;
    const intent: ScaleIntent = {
      trigger: 'policy',
      plan: (current, state) => {
        const pastLoads = past && pastLoadsFrom(past, allRules, { currentReplicas: current, history: state, now, bucketMs });
        const decision = withSourceProblems(
          decide({ policy, min: svc.min, max: svc.max, currentReplicas: current, observations, history: state, pastLoads, schedules: svc.schedules, now }),
          readings,
        );
        decided = { current, decision };
        history = state;
        // Shadows decide on the same readings, after the live policy, and never reach the platform.
        const live = { replicas: current, scalings: state.scalings, readinessDelayMs: parseDuration(policy.readinessDelay) };
        // A schedule bounds the shadows as it bounds the live policy, so both are scored within the same bounds.
        const active = svc.schedules && activeSchedule(svc.schedules, now);
        const bounds = active ? scheduledBounds(active.schedule, svc.min, svc.max) : { min: svc.min, max: svc.max };
        const tick = { live, ...bounds, buckets, bucketMs, pastLoads, now };
        const moved = svc.shadows || state.shadows ? { shadows: advanceShadows(shadows, Object.keys(svc.shadows ?? {}), state.shadows, tick) } : {};
        return { to: decision.replicas, reason: decision.reason, decision, every: parseDuration(svc.evaluationInterval), ...moved };
      },
    };
    const outcome = whatIf
      ? await previewServiceScaling(app, svc, intent, provider, options.deadline, options.state)
      : await scaleService(app, svc, intent, {
          owner: options.owner,
          wait: false,
          dryRun: svc.mode === 'dry-run',
          provider,
          deadline: options.deadline,
          ...(options.state ? { before: options.state } : {}),
        });
    // CloudWatch charts what the evaluator did, not what-ifs.
    if (decided && !whatIf) publishDecision(svc, decided.current, decided.decision);
    if (rollUp !== undefined && decided && history) await rollUpHour(app, svc, allRules, rollUp, { policy, currentReplicas: decided.current, observations, history, now });
    return {
      ...base,
      status: outcome.status,
      from: outcome.from,
      to: outcome.to,
      reason: outcome.reason,
      ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
      ...(decided ? { metrics: decided.decision.metrics } : {}),
    };
  } catch (error) {
    logger.error('evaluation failed', { namespace: svc.namespace, service: svc.service, errorName: (error as Error).name, errorMessage: (error as Error).message });
    return { ...base, status: 'error', reason: 'evaluation failed', detail: (error as Error).message };
  }
}

/**
 * Each service's live policy and shadows, by serviceKey; none for a service without a policy. A
 * document stamped by this deployment's schema is run as stored; any other (written by an older
 * Tide, or under another retention) is parsed again, and only then is the schema loaded.
 */
async function runnablePolicies(app: Tide, services: readonly StoredService[]): Promise<Map<string, RunnablePolicies>> {
  const policies = new Map<string, RunnablePolicies>();
  let reparse: typeof import('../policy/reparse') | undefined;
  for (const svc of services) {
    if (svc.policy === undefined) continue;
    const doc = { policy: svc.policy, shadows: svc.shadows, policyStamp: svc.policyStamp };
    policies.set(serviceKey(svc), storedPolicies(doc, app.config) ?? (reparse ??= await import('../policy/reparse')).parseStoredPolicies(doc, app.config));
  }
  return policies;
}

/** Every rule a service's evaluation decides on: its live policy's and its shadows'. */
const rulesOf = (policies: RunnablePolicies | undefined): Rule[] =>
  policies === undefined || 'problem' in policies ? [] : [...policies.policy.rules, ...policies.shadows.flatMap((s) => s.policy.rules)];

/** What a service's evaluation reads this tick. */
function readPlanOf(app: Tide, svc: StoredService, { policy, shadows }: Exclude<RunnablePolicies, { problem: string }>, now: number, whatIf: boolean) {
  // The first tick of an hour rolls the hour before up, from the same read reaching back to its start.
  const rollUp = whatIf ? undefined : hourToRollUp(svc, now);
  // The live policy's rules and its shadows': the loads the rollups keep and the predictions read.
  const allRules = { ...policy, rules: [...policy.rules, ...shadows.flatMap((s) => s.policy.rules)] };
  const rolledUp = rollUp === undefined ? [] : rolledUpLoads(allRules);
  return { policy, shadows, rollUp, allRules, window: windowNeeded(app, svc, [...allRules.rules, ...rolledUp], now, shadows.length > 0, rollUp) };
}

/**
 * Every bucket the rules' longest window needs, for all their metrics; with shadows to score,
 * also the load metric over the minutes scoring looks back over; with an hour to roll up, back to
 * that hour's start.
 */
function windowNeeded(app: Tide, svc: StoredService, rules: readonly Rule[], now: number, scoring: boolean, rollUp?: number): WindowNeeded {
  const bucketMs = app.config.bucketSeconds * 1000;
  const longest = Math.max(...rules.flatMap(ruleWindows).map(parseDuration), bucketMs, scoring ? SCORING_LOOKBACK_MS : 0);
  const metrics = [...new Set([...rules.map((r) => r.metric), ...(scoring ? [LOAD_METRIC] : [])])];
  return { namespace: svc.namespace, service: svc.service, metrics, from: Math.min(bucketStartOf(now - longest, bucketMs), rollUp ?? Infinity) };
}

/** A platform without node agents (the simulator) reports its metrics itself; a failure leaves the decision to those already stored. */
async function reportMetrics(app: Tide, svc: StoredService, now: number): Promise<void> {
  try {
    await providerFor(app, svc).reportMetrics?.(now);
  } catch (error) {
    logger.warn('reporting a platform\'s metrics failed', { namespace: svc.namespace, service: svc.service, errorMessage: (error as Error).message });
  }
}

/**
 * Which of `count` workers evaluates a service: a stable spread in which the services of one
 * storage shard of metrics (TIDE_SERVICE_SHARDS) go to as few workers as can share them, so that
 * each worker reads only its shards' recent minutes. With fewer shards than workers, a shard's
 * services are spread over count ÷ shards workers, each reading that shard.
 */
export function workerOfService(svc: Pick<StoredService, 'namespace' | 'service'>, count: number, app: Pick<Tide, 'minutes'>): number {
  const shards = app.minutes.serviceShards;
  const shard = app.minutes.shardOf(svc.service);
  if (shards >= count) return shard % count;
  const perShard = Math.floor(count / shards);
  return shard * perShard + (fnv1a(`${svc.namespace}#${svc.service}`) % perShard);
}
