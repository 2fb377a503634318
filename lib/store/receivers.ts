import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditional, ConditionFailedError } from './conditions';
import { attr, keys } from './keys';
import { queryAll } from './queryAll';

export type Action = 'up' | 'down';
/** Which instances a host pool's scale-in removes first, in Rancher's words: the newest launches, or the oldest. */
export type DeleteOption = 'mostRecent' | 'leastRecent';
/** What of an Alertmanager notification scales: each alert that newly starts firing, or every firing notification. */
export type ScaleOn = 'eachNewAlert' | 'everyNotification';

/** A scaleService receiver's step and bounds, in Rancher's fields. */
export interface ScaleServiceConfig {
  action: Action;
  amount: number;
  serviceId: string;
  min: number;
  max: number;
}

/** A scaleHost receiver's step, bounds and the host pool its labels select; deleteOption only when scaling down. */
export interface ScaleHostConfig {
  action: Action;
  amount: number;
  hostSelector: Record<string, string>;
  min: number;
  max: number;
  deleteOption?: DeleteOption;
}

export type ReceiverConfig = ({ driver: 'scaleService' } & ScaleServiceConfig) | ({ driver: 'scaleHost' } & ScaleHostConfig);

export interface AlertmanagerOptions {
  scaleOn: ScaleOn;
}

/** A webhook receiver as stored: everything but its key, of which only a hash is kept. */
export interface ReceiverRecord {
  id: string;
  projectId: string;
  name: string;
  state: 'active';
  config: ReceiverConfig;
  /** Minimum time between two triggers that act, as written ("60s"). */
  cooldown?: string;
  /** How Alertmanager notifications scale; absent, each alert that newly starts firing scales once. */
  alertmanager?: AlertmanagerOptions;
  /** The trigger URL without its query: `<base>/v1-webhooks/endpoint`. */
  endpoint: string;
  /** The first characters of the key, enough for an operator to tell keys apart. */
  keyHint: string;
  keyId: string;
  createdAt: string;
}

/** The webhook key item: found by the id at the start of a key, it names its receiver and holds the key's hash. */
export interface WebhookKeyRecord {
  keyId: string;
  projectId: string;
  receiverId: string;
  /** SHA-256 of the whole key. */
  hash: string;
}

export class DuplicateReceiverNameError extends Error {
  override readonly name = 'DuplicateReceiverNameError';
}

/** Whether a trigger may act now: when not, how long until it may. */
export type CooldownClaim = { granted: true; previous?: number } | { granted: false; retryAfterMs: number };

/**
 * Receivers, their keys and their names are three items written and deleted
 * together in one transaction: a name stays unique in its project even when
 * two creates race, and deleting a receiver revokes its key in the same write.
 */
export class ReceiverStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(receiver: ReceiverRecord, key: WebhookKeyRecord): Promise<void> {
    const absent = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': attr.pk } };
    try {
      await conditional(
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: this.tableName, Item: { ...keys.receiverName(receiver.projectId, receiver.name), receiverId: receiver.id }, ...absent } },
              { Put: { TableName: this.tableName, Item: { ...keys.receiver(receiver.projectId, receiver.id), ...receiver }, ...absent } },
              { Put: { TableName: this.tableName, Item: { ...keys.webhookKey(key.keyId), ...key }, ...absent } },
            ],
          }),
        ),
      );
    } catch (error) {
      // The name's claim is the transaction's first write.
      if (error instanceof ConditionFailedError && error.items.has(0)) {
        throw new DuplicateReceiverNameError(receiver.name);
      }
      throw error;
    }
  }

  /** Strongly consistent, so a receiver deleted a moment ago is already gone. */
  async get(projectId: string, id: string): Promise<ReceiverRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.receiver(projectId, id), ConsistentRead: true }));
    return out.Item ? toReceiver(out.Item) : undefined;
  }

  async list(projectId: string): Promise<ReceiverRecord[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': attr.pk },
      ExpressionAttributeValues: { ':pk': keys.receiverPartition(projectId) },
      ConsistentRead: true,
    });
    return items.map(toReceiver).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Deletes the receiver, its name and its key at once; false when there was no such receiver. */
  async delete(projectId: string, id: string): Promise<boolean> {
    const receiver = await this.get(projectId, id);
    if (!receiver) return false;
    try {
      await conditional(
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: this.tableName,
                  Key: keys.receiver(projectId, id),
                  ConditionExpression: 'attribute_exists(#pk)',
                  ExpressionAttributeNames: { '#pk': attr.pk },
                },
              },
              { Delete: { TableName: this.tableName, Key: keys.receiverName(projectId, receiver.name) } },
              { Delete: { TableName: this.tableName, Key: keys.webhookKey(receiver.keyId) } },
            ],
          }),
        ),
      );
    } catch (error) {
      // Deleted by a concurrent request between the read and the write.
      if (error instanceof ConditionFailedError && error.items.has(0)) return false;
      throw error;
    }
    return true;
  }

  /** Strongly consistent, so a key revoked a moment ago is already refused. */
  async getKey(keyId: string): Promise<WebhookKeyRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.webhookKey(keyId), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const item = out.Item;
    return { keyId: String(item.keyId), projectId: String(item.projectId), receiverId: String(item.receiverId), hash: String(item.hash) };
  }

  /**
   * Starts the receiver's cooldown if it is not running: one conditional
   * write, so of two triggers at the same moment exactly one is granted.
   */
  async claimCooldown(projectId: string, id: string, now: number, cooldownMs: number): Promise<CooldownClaim> {
    try {
      const out = await conditional(
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.receiver(projectId, id),
            UpdateExpression: 'SET #fired = :now',
            ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#fired) OR #fired <= :since)',
            ExpressionAttributeNames: { '#pk': attr.pk, '#fired': 'lastActedAt' },
            ExpressionAttributeValues: { ':now': now, ':since': now - cooldownMs },
            ReturnValues: 'UPDATED_OLD',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      const previous = out.Attributes?.lastActedAt;
      return typeof previous === 'number' ? { granted: true, previous } : { granted: true };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const fired = Number(error.item?.lastActedAt);
      // A receiver deleted since it was read has no cooldown left to wait for; the caller finds it gone.
      return { granted: false, retryAfterMs: Number.isFinite(fired) ? fired + cooldownMs - now : 0 };
    }
  }

  /** Gives back a cooldown claimed by a trigger that then changed nothing, unless a later trigger claimed it since. */
  async returnCooldown(projectId: string, id: string, claimedAt: number, previous: number | undefined): Promise<void> {
    try {
      await conditional(
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.receiver(projectId, id),
            UpdateExpression: previous === undefined ? 'REMOVE #fired' : 'SET #fired = :previous',
            ConditionExpression: '#fired = :claimed',
            ExpressionAttributeNames: { '#fired': 'lastActedAt' },
            ExpressionAttributeValues: { ':claimed': claimedAt, ...(previous === undefined ? {} : { ':previous': previous }) },
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

function toReceiver(item: Record<string, unknown>): ReceiverRecord {
  const { pk: _pk, sk: _sk, lastActedAt: _lastActedAt, ...receiver } = item;
  return receiver as unknown as ReceiverRecord;
}
