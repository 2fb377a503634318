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
  from: number;
  to: number;
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
  if (state === undefined) return { from: 0, to: 0, status: 'busy', reason: 'another scaling of this service is in progress' };
  const now = app.now();
  const change: StateChange = {};
  try {
    let from: number;
    try {
      from = await currentReplicas(app, svc, state, options.provider);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      const known = state.replicas ?? 0;
      const event = await record(app, svc, intent, now, { from: known, to: known, status: 'failed', reason: 'could not read the current replicas', detail: error.message });
      return { from: known, to: known, status: 'failed', reason: event.reason, detail: error.message, event };
    }
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
      const detail = `dry-run: would scale ${from} → ${plan.to}`;
      const event = await record(app, svc, intent, now, { from, to: plan.to, status: 'skipped', reason: plan.reason, detail });
      return { from, to: plan.to, status: 'skipped', reason: plan.reason, detail, event };
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
 * The platform's replicas; when it cannot say (the `http` target may not
 * answer GET), the last replicas Tide set, and before any, the containers
 * that reported in the last minute.
 */
async function currentReplicas(app: Tide, svc: StoredService, state: ServiceState, provider: Provider): Promise<number> {
  const read = await provider.readReplicas();
  if (read !== undefined) return read;
  if (state.replicas !== undefined) return state.replicas;
  const reporting = await reportingContainers(app, svc.namespace, svc.service);
  if (reporting !== undefined) return reporting;
  throw new ProviderError(svc.target.provider, 'read', 'the platform did not say how many replicas run, and no container has reported in the last minute');
}

async function record(
  app: Tide,
  svc: StoredService,
  intent: ScaleIntent,
  now: number,
  fields: Pick<ScalingEvent, 'from' | 'to' | 'status' | 'reason'> & { detail?: string },
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
