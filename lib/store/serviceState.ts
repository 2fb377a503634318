import { BatchGetCommand, DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Recommendation, ScalingRecord } from '../policy';
import { attr, keys } from './keys';

/** What Tide remembers about a service between evaluations. Times are epoch milliseconds. */
export interface ServiceState {
  /** The replicas the platform had at the last look, or that Tide last set. */
  replicas?: number;
  /** The replicas last asked for, applied or not. */
  desired?: number;
  lastDecision?: { ts: number; replicas: number; reason: string; direction: string };
  /** Recent recommendations, for stabilization. */
  recommendations: Recommendation[];
  /** Recent applied scalings, for rate limits and cooldowns. */
  scalings: ScalingRecord[];
}

export type StateChange = Partial<Omit<ServiceState, 'recommendations' | 'scalings'>> & {
  recommendations?: Recommendation[];
  scalings?: ScalingRecord[];
};

export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
  constructor(readonly until: number) {
    super('another scaling of this service is in progress');
  }
}

/**
 * The service's state item doubles as its lease: a conditional write with an
 * expiry that the evaluator, manual scaling and webhooks all take before they
 * read replicas and act, so two of them can never act on one service at once.
 * Taking the lease returns the state (ALL_NEW), and releasing it writes the
 * new state, so one scaling costs two writes and no extra read.
 */
export class ServiceStateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async acquire(namespace: string, service: string, owner: string, now: number, ttlMs: number): Promise<ServiceState> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.serviceState(namespace, service),
          UpdateExpression: 'SET #owner = :owner, #until = :until',
          ConditionExpression: 'attribute_not_exists(#until) OR #until < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'leaseOwner', '#until': 'leaseUntil' },
          ExpressionAttributeValues: { ':owner': owner, ':until': now + ttlMs, ':now': now },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return toState(out.Attributes ?? {});
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const item = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      throw new LeaseHeldError(item ? Number(unmarshall(item).leaseUntil) : now + ttlMs);
    }
  }

  /** Writes the change and gives the lease back; a lease lost to expiry is not overwritten. */
  async release(namespace: string, service: string, owner: string, change: StateChange): Promise<void> {
    const names: Record<string, string> = { '#owner': 'leaseOwner', '#until': 'leaseUntil' };
    const values: Record<string, unknown> = { ':owner': owner };
    const sets: string[] = [];
    Object.entries(change).forEach(([field, value], i) => {
      if (value === undefined) return;
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      sets.push(`#f${i} = :v${i}`);
    });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.serviceState(namespace, service),
          UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(', ')} ` : ''}REMOVE #owner, #until`,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async delete(namespace: string, service: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.serviceState(namespace, service) }));
  }

  /** States of many services at once: one request per hundred. */
  async getMany(services: ReadonlyArray<{ namespace: string; service: string }>): Promise<Map<string, ServiceState>> {
    const states = new Map<string, ServiceState>();
    for (let i = 0; i < services.length; i += 100) {
      let request: Record<string, { Keys: Array<Record<string, unknown>> }> | undefined = {
        [this.tableName]: { Keys: services.slice(i, i + 100).map((s): Record<string, unknown> => ({ ...keys.serviceState(s.namespace, s.service) })) },
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
  return state;
}
