import { BatchGetCommand, DeleteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { History, Recommendation, ScalingRecord, ShadowState } from '../policy';
import type { EventStore, ScalingEvent } from './events';
import { attr, keys } from './keys';
import { giveBackLease, takeLease } from './lease';

/**
 * What Tide remembers about a service between evaluations: the history its
 * policy reads (recent recommendations and scalings), and the replicas.
 * Times are epoch milliseconds.
 */
export interface ServiceState extends History {
  /** The replicas the platform had at the last look, or that Tide last set. */
  replicas?: number;
  /** The replicas last asked for, applied or not. */
  desired?: number;
  lastDecision?: { ts: number; replicas: number; reason: string; direction: string };
  /** Each shadow policy's own replicas, history and scores, by name (lib/policy/shadow.ts). */
  shadows?: Record<string, ShadowState>;
}

export type StateChange = Partial<ServiceState>;

/**
 * The service's state item doubles as its lease: a conditional write with an
 * expiry that the evaluator, manual scaling and webhooks all take before they
 * read replicas and act, so two of them can never act on one service at once.
 * Taking the lease returns the state (ALL_NEW), and releasing it writes the
 * new state and the scaling's event in one transaction, so one scaling costs
 * two writes and no extra read.
 */
export class ServiceStateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly events: EventStore,
  ) {}

  /** Takes the lease until `until` (epoch ms); throws LeaseHeldError while another scaling holds it. */
  acquire(namespace: string, service: string, owner: string, now: number, until: number): Promise<ServiceState> {
    return takeLease(this.db, this.tableName, keys.serviceState(namespace, service), owner, now, until).then(toState);
  }

  /** The state as it stands, without taking the lease: for reads that act on nothing. */
  async get(namespace: string, service: string): Promise<ServiceState> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.serviceState(namespace, service) }));
    return out.Item ? toState(out.Item) : emptyState();
  }

  /**
   * Writes the change and the event, and gives the lease back; false, with
   * nothing written, when the lease expired and another scaling took it.
   */
  release(namespace: string, service: string, owner: string, change: StateChange, event?: ScalingEvent): Promise<boolean> {
    return giveBackLease(this.db, this.tableName, keys.serviceState(namespace, service), owner, change, event && this.events.item(event, owner));
  }

  async delete(namespace: string, service: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.serviceState(namespace, service) }));
  }

  /**
   * States of many services at once, one request per hundred; strongly consistent, as the lease's
   * read, unless `eventually`: half the read units, and a state written in the last second or so
   * may be read as it was before.
   */
  async getMany(services: ReadonlyArray<{ namespace: string; service: string }>, { eventually = false } = {}): Promise<Map<string, ServiceState>> {
    const states = new Map<string, ServiceState>();
    for (let i = 0; i < services.length; i += 100) {
      let request: Record<string, { ConsistentRead?: boolean; Keys: Array<Record<string, unknown>> }> | undefined = {
        [this.tableName]: { ConsistentRead: !eventually, Keys: services.slice(i, i + 100).map((s): Record<string, unknown> => ({ ...keys.serviceState(s.namespace, s.service) })) },
      };
      while (request && Object.keys(request).length > 0) {
        const out = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[this.tableName] ?? []) states.set(String(item[attr.pk]), toState(item));
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return new Map(services.map((s) => [`${s.namespace}#${s.service}`, states.get(keys.serviceState(s.namespace, s.service).pk) ?? emptyState()]));
  }
}

export function emptyState(): ServiceState {
  return { recommendations: [], scalings: [] };
}

function toState(item: Record<string, unknown>): ServiceState {
  const state: ServiceState = {
    recommendations: (item.recommendations as Recommendation[] | undefined) ?? [],
    scalings: (item.scalings as ScalingRecord[] | undefined) ?? [],
  };
  if (typeof item.replicas === 'number') state.replicas = item.replicas;
  if (typeof item.desired === 'number') state.desired = item.desired;
  if (item.lastDecision) state.lastDecision = item.lastDecision as ServiceState['lastDecision'] & object;
  if (item.shadows) state.shadows = item.shadows as Record<string, ShadowState>;
  return state;
}
