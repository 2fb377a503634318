import { isDeepStrictEqual } from 'node:util';
import type { Tide } from '../app';
import { reportingContainers } from '../metrics/reporting';
// From the modules themselves, not lib/policy's index: it loads the schemas, and the evaluator runs none at its cold start.
import { recordDecision, recordScaling, type History } from '../policy/history';
import type { ShadowState } from '../policy/shadow';
import type { Decision } from '../policy/types';
import type { Provider } from '../providers/provider';
import type { ScalingEvent, Trigger } from '../store/events';
import type { ServiceState, StateChange } from '../store/serviceState';
import type { StoredService } from '../store/services';
import { eventFields, isRefusal, previewScaling, runScaling, type Move, type Plan, type Ran, type Scalable, type ScaleOptions, type ScaleOutcome } from './engine';

/** A service's move; the evaluator's says which policy decision it follows, and where its shadow policies stand. */
export interface ScalePlan extends Move {
  decision?: Decision;
  /** How often the policy decides again (ms): equal decisions in a row are kept as one run of the history (lib/policy/history.ts). */
  every?: number;
  shadows?: Record<string, ShadowState>;
}

export interface ScaleIntent {
  trigger: Trigger;
  /** The webhook receiver's name, for webhook triggers. */
  receiver?: string;
  /** Decided once the lease is held and the current replicas are known, with the state the service's policies read. */
  plan(current: number, state: ServiceState): Plan<ScalePlan>;
}

export interface ServiceScaleOptions extends Omit<ScaleOptions<ServiceState>, 'now'> {
  provider: Provider;
}

/** A service's scaling through the engine; the outcome carries the event it recorded, if any. */
export function scaleService(app: Tide, svc: StoredService, intent: ScaleIntent, options: ServiceScaleOptions): Promise<ScaleOutcome & { event?: ScalingEvent }> {
  return runScaling(serviceSubject(app, svc, intent, options.provider), intent.plan, { ...options, now: app.now });
}

/** What scaling the service would do now, without its lease and writing nothing (see previewScaling); on `state` when it was read already. */
export async function previewServiceScaling(app: Tide, svc: StoredService, intent: ScaleIntent, provider: Provider, deadline: number, state?: ServiceState): Promise<ScaleOutcome> {
  state ??= await app.serviceStates.get(svc.namespace, svc.service);
  return previewScaling(serviceSubject(app, svc, intent, provider), state, intent.plan, { deadline, now: app.now });
}

function serviceSubject(app: Tide, svc: StoredService, intent: ScaleIntent, provider: Provider): Scalable<ServiceState, ScalePlan, ScalingEvent> {
  const { namespace, service } = svc;
  return {
    kind: 'service',
    name: service,
    provider: svc.target.provider,
    acquire: (lease, now, until) => app.serviceStates.acquire(namespace, service, lease, now, until),
    read: (state, inTime) => currentReplicas(app, svc, state, () => inTime('read', () => provider.readReplicas())),
    known: (state) => state.replicas ?? null,
    unreadable: 'could not read the current replicas',
    apply: async (from, move, { inTime, ts }) => {
      const request = { namespace, service, from, to: move.to, trigger: intent.trigger, reason: move.reason, ts };
      await inTime('scale', () => provider.setReplicas(request));
      return {};
    },
    release: async (lease, state, ran) => {
      const event = ran && ran.outcome.status !== 'unchanged' ? eventOf(svc, intent, ran) : undefined;
      const recorded = await app.serviceStates.release(namespace, service, lease, ran ? changeOf(state, ran) : {}, event);
      return event ? { recorded, event } : { recorded };
    },
    recordsNothing: (state, ran) => ran.outcome.status === 'unchanged' && changesNothing(state, changeOf(state, ran)),
  };
}

/**
 * Whether a change leaves the state as it is. The last decision counts as the same while it
 * keeps its replicas and direction: its time and reason stay those of the first decision of the
 * kind, so that an evaluation which decides what the one before did writes nothing.
 */
function changesNothing(state: ServiceState, { lastDecision, ...change }: StateChange): boolean {
  const sameDecision = lastDecision === undefined || (state.lastDecision?.replicas === lastDecision.replicas && state.lastDecision.direction === lastDecision.direction);
  return sameDecision && Object.entries(change).every(([field, value]) => isDeepStrictEqual(state[field as keyof ServiceState], value));
}

/**
 * The state a scaling leaves: the replicas it saw (or set), the replicas it
 * asked for, and its history: a policy decision is recorded whatever came of
 * it, as the last decision too, and a scaling once the platform applied it.
 */
function changeOf(state: ServiceState, { outcome, plan, ts }: Ran<ScalePlan>): StateChange {
  const change: StateChange = {};
  if (outcome.from !== null) change.replicas = outcome.from;
  if (plan === undefined || isRefusal(plan)) return change;
  let history: History = state;
  const { decision } = plan;
  if (decision) {
    history = recordDecision(history, decision, plan.every);
    change.lastDecision = { ts: decision.ts, replicas: decision.replicas, reason: decision.reason, direction: decision.direction };
  }
  if (plan.shadows) change.shadows = plan.shadows;
  if (outcome.status !== 'unchanged') change.desired = plan.to;
  if (outcome.status === 'applied') {
    change.replicas = plan.to;
    history = recordScaling(history, { ts, from: outcome.from as number, to: plan.to });
  }
  return history === state ? change : { ...change, recommendations: history.recommendations, scalings: history.scalings };
}

/**
 * The platform's replicas; when it cannot say (the `http` target may not
 * answer GET), the last replicas Tide set, and before any, the containers
 * that reported in the last 2 minutes.
 */
async function currentReplicas(app: Tide, svc: StoredService, state: ServiceState, read: () => Promise<number | undefined>): Promise<number | { unreadable: string }> {
  const replicas = await read();
  if (replicas !== undefined) return replicas;
  if (state.replicas !== undefined) return state.replicas;
  const reporting = await reportingContainers(app, svc.namespace, svc.service);
  if (reporting !== undefined) return reporting;
  return { unreadable: `${svc.target.provider} read failed: the platform did not say how many replicas run, and no container has reported in the last 2 minutes` };
}

function eventOf(svc: StoredService, intent: ScaleIntent, ran: Ran<ScalePlan>): ScalingEvent {
  return { ...eventFields(ran, intent), namespace: svc.namespace, service: svc.service, from: ran.outcome.from, to: ran.outcome.to };
}
