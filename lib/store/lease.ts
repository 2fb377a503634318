import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ItemKey } from './keys';

const NAMES = { '#owner': 'leaseOwner', '#until': 'leaseUntil' };

export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
  constructor(readonly until: number) {
    super('another scaling is in progress');
  }
}

/**
 * A lease on a state item: a conditional write with an expiry, taken before
 * a scaling reads and acts so that two never act on one thing at once.
 * Returns the item as it stands (ALL_NEW), so taking the lease is also the read.
 */
export async function takeLease(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  owner: string,
  now: number,
  ttlMs: number,
): Promise<Record<string, unknown>> {
  try {
    const out = await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET #owner = :owner, #until = :until',
        ConditionExpression: 'attribute_not_exists(#until) OR #until < :now OR #owner = :owner',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: { ':owner': owner, ':until': now + ttlMs, ':now': now },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return out.Attributes ?? {};
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    const item = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
    throw new LeaseHeldError(item ? Number(unmarshall(item).leaseUntil) : now + ttlMs);
  }
}

/** Writes the given attributes and gives the lease back; a lease lost to expiry (another holder now) is left alone. */
export async function giveBackLease(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  owner: string,
  attributes: Record<string, unknown>,
): Promise<void> {
  const names: Record<string, string> = { ...NAMES };
  const values: Record<string, unknown> = { ':owner': owner };
  const sets: string[] = [];
  Object.entries(attributes).forEach(([field, value], i) => {
    if (value === undefined) return;
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    sets.push(`#f${i} = :v${i}`);
  });
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
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
