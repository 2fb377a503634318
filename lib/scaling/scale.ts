import type { Tide } from '../app';
import { keepRecent, type Recommendation, type ScalingRecord } from '../policy';
import { ProviderError, type Provider, type Trigger } from '../providers/provider';
import type { ScalingEvent } from '../store/events';
import type { ServiceState, StateChange } from '../store/serviceState';
import type { StoredService } from '../store/services';
import { waitForLease } from './waitForLease';
import { reportingContainers } from '../metrics/reporting';

/** How long one scaling may hold a service before another may take over. */
const LEASE_MS = 30_000;

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
  /** Who holds the lease: one id per invocation. */
  owner: string;
  /** Wait for a busy service (manual scale, webhooks) or skip it (the evaluator). */
  wait: boolean;
  /** Decide and record, never call the platform. */
  dryRun: boolean;
  provider: Provider;
}

/**
 * The one path every scaling takes, whatever its trigger: take the service's
 * lease, read the current replicas, plan, call the platform, record the event
 * and the new state, give the lease back.
 */
export async function scaleService(app: Tide, svc: StoredService, intent: ScaleIntent, options: ScaleOptions): Promise<ScaleOutcome> {
  const state = await waitForLease(() => app.serviceStates.acquire(svc.namespace, svc.service, options.owner, app.now(), LEASE_MS), {
    wait: options.wait,
    now: app.now,
    what: `service ${svc.service}`,
  });
  if (state === undefined) return { from: null, to: null, status: 'busy', reason: 'another scaling of this service is in progress' };
  const now = app.now();
  const change: StateChange = {};
  try {
    const reading = await currentReplicas(app, svc, state, options.provider);
    if ('unreadable' in reading) {
      const failure = unreadable(state, reading.unreadable);
      return { ...failure, event: await record(app, svc, intent, now, failure) };
    }
    const from = reading.replicas;
    change.replicas = from;
    let plan: ScalePlan;
    try {
      plan = intent.plan(from, state);
    } catch (error) {
      if (error instanceof ScaleRefusedError) {
        await record(app, svc, intent, now, { from, to: from, status: 'skipped', reason: error.reason });
      }
      throw error;
    }
    if (plan.recommendation) change.recommendations = keepRecent([...state.recommendations, plan.recommendation], now);
    if (plan.lastDecision) change.lastDecision = plan.lastDecision;
    if (plan.to === from) return { from, to: from, status: 'unchanged', reason: plan.reason };

    change.desired = plan.to;
    if (options.dryRun) {
      const skipped = wouldScale(from, plan);
      return { ...skipped, event: await record(app, svc, intent, now, skipped) };
    }
    try {
      await options.provider.setReplicas({ namespace: svc.namespace, service: svc.service, from, to: plan.to, trigger: intent.trigger, reason: plan.reason, ts: now });
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      const event = await record(app, svc, intent, now, { from, to: plan.to, status: 'failed', reason: plan.reason, detail: error.message });
      return { from, to: plan.to, status: 'failed', reason: plan.reason, detail: error.message, event };
    }
    change.replicas = plan.to;
    change.scalings = keepRecent<ScalingRecord>([...state.scalings, { ts: now, from, to: plan.to }], now);
    const event = await record(app, svc, intent, now, { from, to: plan.to, status: 'applied', reason: plan.reason });
    return { from, to: plan.to, status: 'applied', reason: plan.reason, event };
  } finally {
    await app.serviceStates.release(svc.namespace, svc.service, options.owner, change);
  }
}

/**
 * What a scaling would do now, for an on-demand dry run: the same read and
 * plan as scaleService, and nothing written. It takes no lease: a what-if
 * must not make a scheduled evaluation skip the service or a webhook wait,
 * and taking the lease would itself write the state item.
 */
export async function previewScaling(app: Tide, svc: StoredService, intent: ScaleIntent, provider: Provider): Promise<ScaleOutcome> {
  const state = await app.serviceStates.get(svc.namespace, svc.service);
  const reading = await currentReplicas(app, svc, state, provider);
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

async function record(
  app: Tide,
  svc: StoredService,
  intent: ScaleIntent,
  now: number,
  fields: Pick<ScalingEvent, 'from' | 'to' | 'status' | 'reason' | 'detail'>,
): Promise<ScalingEvent> {
  const event: ScalingEvent = {
    ts: new Date(now).toISOString(),
    namespace: svc.namespace,
    service: svc.service,
    trigger: intent.trigger,
    ...(intent.receiver === undefined ? {} : { receiver: intent.receiver }),
    ...fields,
  };
  await app.events.record(event);
  return event;
}
