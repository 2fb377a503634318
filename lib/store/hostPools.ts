import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HostPoolTarget } from '../targets/hosts';
import { attr, keys, withoutKeys } from './keys';
import { queryAll } from './queryAll';

/** A host pool as an operator gave it (lib/hostpools/schema.ts checks it). */
export interface HostPoolDocument {
  /** The labels Rancher put on the pool's hosts, which a receiver's hostSelector matches. */
  labels: Record<string, string>;
  min: number;
  max: number;
  target: HostPoolTarget;
}

export type StoredHostPool = HostPoolDocument & { namespace: string; pool: string; createdAt: string; updatedAt: string };

/** Host pool documents, one partition per namespace, so a receiver's hostSelector is matched with one query. */
export class HostPoolStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(pool: HostPoolDocument & { namespace: string; pool: string }, now: number): Promise<{ created: boolean; stored: StoredHostPool }> {
    const existing = await this.get(pool.namespace, pool.pool);
    const iso = new Date(now).toISOString();
    const stored: StoredHostPool = { ...pool, createdAt: existing?.createdAt ?? iso, updatedAt: iso };
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.hostPool(pool.namespace, pool.pool), ...stored } }));
    return { created: existing === undefined, stored };
  }

  async get(namespace: string, pool: string): Promise<StoredHostPool | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.hostPool(namespace, pool), ConsistentRead: true }));
    return out.Item ? withoutKeys<StoredHostPool>(out.Item) : undefined;
  }

  async list(namespace: string): Promise<StoredHostPool[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': attr.pk },
      ExpressionAttributeValues: { ':pk': keys.hostPoolPartition(namespace) },
      ConsistentRead: true,
    });
    return items.map((item) => withoutKeys<StoredHostPool>(item));
  }

  async delete(namespace: string, pool: string): Promise<boolean> {
    const out = await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.hostPool(namespace, pool), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }
}
