import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Trigger } from './events';
import { keys } from './keys';
import { giveBackLease, takeLease } from './lease';

/** A host pool's scaling, as a service's scaling event reads, with the instances it removed. */
export interface HostPoolEvent {
  ts: string;
  namespace: string;
  pool: string;
  from: number;
  to: number;
  trigger: Trigger;
  receiver?: string;
  reason: string;
  status: 'applied' | 'failed' | 'skipped';
  detail?: string;
  /** Instances terminated by a scale-in, in the order chosen. */
  instances?: string[];
}

/** Pools scale on webhooks only, so a short history kept on the state item is enough. */
const HISTORY_ENTRIES = 50;

/**
 * A host pool's state item: the lease every pool scaling takes before it
 * reads capacity and acts, so two triggers never act on one pool at once,
 * and the pool's recent scaling events, written when the lease is given back.
 */
export class HostPoolStateStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Takes the lease until `until` (epoch ms); returns the recent events it holds, oldest first. */
  async acquire(namespace: string, pool: string, owner: string, now: number, until: number): Promise<HostPoolEvent[]> {
    const item = await takeLease(this.db, this.tableName, keys.hostPoolState(namespace, pool), owner, now, until);
    return (item.events as HostPoolEvent[] | undefined) ?? [];
  }

  /**
   * Appends the event to the history it was given at acquire and gives the
   * lease back; false, with nothing written, when the lease expired and
   * another scaling took it.
   */
  release(namespace: string, pool: string, owner: string, history: HostPoolEvent[], event: HostPoolEvent | undefined): Promise<boolean> {
    const events = event ? [...history, event].slice(-HISTORY_ENTRIES) : history;
    return giveBackLease(this.db, this.tableName, keys.hostPoolState(namespace, pool), owner, { events });
  }

  /** Newest first. */
  async events(namespace: string, pool: string, limit: number): Promise<HostPoolEvent[]> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.hostPoolState(namespace, pool), ConsistentRead: true }));
    const events = (out.Item?.events as HostPoolEvent[] | undefined) ?? [];
    return events.slice(-limit).reverse();
  }
}
