import type { Tide } from '../app';
import { randomToken } from '../credentials/random';
import { keepRecent, type Recommendation, type ScalingRecord } from '../policy';
import { ProviderError, type Provider, type Trigger } from '../providers/provider';
import type { ScalingEvent } from '../store/events';
import type { ServiceState, StateChange } from '../store/serviceState';
import type { StoredService } from '../store/services';
import { beforeCutoff, scalingTimes } from './deadline';
import { waitForLease } from './waitForLease';
import { reportingContainers } from '../metrics/reporting';

/** What a caller wants, decided once the lease is held and the current replicas are known. */
export interface ScalePlan {
  to: number;
  reason: string;
  /** Extra state to keep with this decision (the evaluator's recommendation and last decision). */
  recommendation?: Recommendation;
  lastDecision?: ServiceState['lastDecision'];
}

export interface ScaleIntent {
  trigger: Trigger;
  /** The webhook receiver's name, for webhook triggers. */
  receiver?: string;
  plan(current: number, state: ServiceState): ScalePlan;
}

export interface ScaleOutcome {
  /** null when another scaling held the service, or when its replicas could not be read and Tide never knew them. */
  from: number | null;
  to: number | null;
  /** busy: another scaling held the service, or took it over before this one could record (nothing recorded). */
  status: ScalingEvent['status'] | 'unchanged' | 'busy';
  reason: string;
  detail?: string;
  event?: ScalingEvent;
}

/** A refusal decided inside the lease (bounds, cooldowns): recorded as a skipped event, then rethrown. */
export class ScaleRefusedError extends Error {
  override readonly name = 'ScaleRefusedError';
  constructor(
    readonly reason: string,
    readonly answer: Error,
    readonly from: number,
  ) {
    super(reason);
  }
}

export interface ScaleOptions {
  /** Who takes the lease: one id per invocation; each scaling adds a token of its own. */
  owner: string;
  /** Wait for a busy service (manual scale, webhooks) or skip it (the evaluator). */
  wait: boolean;
  /** Decide and record, never call the platform. */
  dryRun: boolean;
  provider: Provider;
  /** When the invocation must have answered, on Tide's clock: the wait, the lease and every platform call fit inside it. */
  deadline: number;
}

/**
 * The one path every scaling takes, whatever its trigger: take the service's
 * lease, read the current replicas, plan, call the platform, then record the
 * event and the new state as the lease is given back, in one write fenced on
 * the lease: a scaling that outlasted its lease records nothing.
 */
export async function scaleService(app: Tide, svc: StoredService, intent: ScaleIntent, options: ScaleOptions): Promise<ScaleOutcome> {
  const times = scalingTimes(options.deadline, app.now());
  // A token per scaling, not per invocation: two ticks of one evaluator invocation must fence each other too.
  const lease = `${options.owner}:${randomToken(8)}`;
  const state = await waitForLease(() => app.serviceStates.acquire(svc.namespace, svc.service, lease, app.now(), times.leaseUntil), {
    wait: options.wait,
    now: app.now,
    until: times.waitUntil,
    what: `service ${svc.service}`,
  });
  if (state === undefined) return { from: null, to: null, status: 'busy', reason: 'another scaling of this service is in progress' };
  const now = app.now();
  const platform = withCutoff(options.provider, svc.target.provider, times.platformUntil, app.now);
  const change: StateChange = {};
  let outcome: ScaleOutcome;
  try {
    outcome = await act(app, svc, intent, state, change, { platform, now, dryRun: options.dryRun });
  } catch (error) {
    const refused = error instanceof ScaleRefusedError ? eventOf(svc, intent, now, { from: error.from, to: error.from, status: 'skipped', reason: error.reason }) : undefined;
    await app.serviceStates.release(svc.namespace, svc.service, lease, change, refused);
    throw error;
  }
  const event = outcome.status === 'unchanged' || outcome.status === 'busy' ? undefined : eventOf(svc, intent, now, { ...outcome, status: outcome.status });
  if (!(await app.serviceStates.release(svc.namespace, svc.service, lease, change, event))) return overtaken(outcome);
  return event ? { ...outcome, event } : outcome;
}

/** Reads the replicas, plans and calls the platform; `change` collects the state to write back. */
async function act(
  app: Tide,
  svc: StoredService,
  intent: ScaleIntent,
  state: ServiceState,
  change: StateChange,
  how: { platform: Provider; now: number; dryRun: boolean },
): Promise<ScaleOutcome> {
  const { platform, now } = how;
  const reading = await currentReplicas(app, svc, state, platform);
  if ('unreadable' in reading) return unreadable(state, reading.unreadable);
  const from = reading.replicas;
  change.replicas = from;
  const plan = intent.plan(from, state);
  if (plan.recommendation) change.recommendations = keepRecent([...state.recommendations, plan.recommendation], now);
  if (plan.lastDecision) change.lastDecision = plan.lastDecision;
  if (plan.to === from) return { from, to: from, status: 'unchanged', reason: plan.reason };

  change.desired = plan.to;
  if (how.dryRun) return wouldScale(from, plan);
  try {
    await platform.setReplicas({ namespace: svc.namespace, service: svc.service, from, to: plan.to, trigger: intent.trigger, reason: plan.reason, ts: now });
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return { from, to: plan.to, status: 'failed', reason: plan.reason, detail: error.message };
  }
  change.replicas = plan.to;
  change.scalings = keepRecent<ScalingRecord>([...state.scalings, { ts: now, from, to: plan.to }], now);
  return { from, to: plan.to, status: 'applied', reason: plan.reason };
}

/** The lease expired while this scaling ran, and another scaling took the service over: this one wrote nothing. */
function overtaken(outcome: ScaleOutcome): ScaleOutcome {
  const own = `${outcome.status} ${outcome.from ?? '?'} → ${outcome.to ?? '?'}${outcome.detail ? ` (${outcome.detail})` : ''}`;
  return {
    from: outcome.from,
    to: outcome.to,
    status: 'busy',
    reason: 'another scaling took this service over before this one could record its outcome',
    detail: `not recorded: ${own}`,
  };
}

/** The provider with every call given up at `until`, leaving time to record the outcome (see scalingTimes). */
function withCutoff(provider: Provider, name: string, until: number, now: () => number): Provider {
  return {
    readReplicas: () => beforeCutoff(() => provider.readReplicas(), { until, now, provider: name, operation: 'read' }),
    setReplicas: (request) => beforeCutoff(() => provider.setReplicas(request), { until, now, provider: name, operation: 'scale' }),
  };
}

/**
 * What a scaling would do now, for an on-demand dry run: the same read and
 * plan as scaleService, and nothing written. It takes no lease: a what-if
 * must not make a scheduled evaluation skip the service or a webhook wait,
 * and taking the lease would itself write the state item.
 */
export async function previewScaling(app: Tide, svc: StoredService, intent: ScaleIntent, provider: Provider, deadline: number): Promise<ScaleOutcome> {
  const state = await app.serviceStates.get(svc.namespace, svc.service);
  const platform = withCutoff(provider, svc.target.provider, scalingTimes(deadline, app.now()).platformUntil, app.now);
  const reading = await currentReplicas(app, svc, state, platform);
  if ('unreadable' in reading) return unreadable(state, reading.unreadable);
  const plan = intent.plan(reading.replicas, state);
  if (plan.to === reading.replicas) return { from: reading.replicas, to: reading.replicas, status: 'unchanged', reason: plan.reason };
  return wouldScale(reading.replicas, plan);
}

/** A failed read, showing the replicas Tide last knew; with none known, no invented count. */
function unreadable(state: ServiceState, detail: string) {
  const known = state.replicas ?? null;
  return { from: known, to: known, status: 'failed' as const, reason: 'could not read the current replicas', detail };
}

function wouldScale(from: number, plan: ScalePlan) {
  return { from, to: plan.to, status: 'skipped' as const, reason: plan.reason, detail: `dry-run: would scale ${from} → ${plan.to}` };
}

/**
 * The platform's replicas; when it cannot say (the `http` target may not
 * answer GET), the last replicas Tide set, and before any, the containers
 * that reported in the last 60 s. A platform that fails to answer is a
 * value, so that the caller records it.
 */
async function currentReplicas(app: Tide, svc: StoredService, state: ServiceState, provider: Provider): Promise<{ replicas: number } | { unreadable: string }> {
  let read: number | undefined;
  try {
    read = await provider.readReplicas();
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return { unreadable: error.message };
  }
  if (read !== undefined) return { replicas: read };
  if (state.replicas !== undefined) return { replicas: state.replicas };
  const reporting = await reportingContainers(app, svc.namespace, svc.service);
  if (reporting !== undefined) return { replicas: reporting };
  return { unreadable: `${svc.target.provider} read failed: the platform did not say how many replicas run, and no container has reported in the last 60 s` };
}

function eventOf(svc: StoredService, intent: ScaleIntent, now: number, fields: Pick<ScalingEvent, 'from' | 'to' | 'status' | 'reason' | 'detail'>): ScalingEvent {
  return {
    ts: new Date(now).toISOString(),
    namespace: svc.namespace,
    service: svc.service,
    trigger: intent.trigger,
    ...(intent.receiver === undefined ? {} : { receiver: intent.receiver }),
    from: fields.from,
    to: fields.to,
    status: fields.status,
    reason: fields.reason,
    ...(fields.detail === undefined ? {} : { detail: fields.detail }),
  };
}
