import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditional, ConditionFailedError } from './conditions';
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
 * `owner` is the lease's token, one per scaling; the same token may take it
 * again (a retried write whose first attempt did land). Returns the item as
 * it stands (ALL_NEW), so taking the lease is also the read.
 */
export async function takeLease(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  owner: string,
  now: number,
  until: number,
): Promise<Record<string, unknown>> {
  try {
    const out = await conditional(
      db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: 'SET #owner = :owner, #until = :until',
          ConditionExpression: 'attribute_not_exists(#until) OR #until < :now OR #owner = :owner',
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ':owner': owner, ':until': until, ':now': now },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return out.Attributes ?? {};
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    throw new LeaseHeldError(error.item ? Number(error.item.leaseUntil) : until);
  }
}

/**
 * Writes the given attributes and gives the lease back, fenced on its token:
 * a holder whose lease expired and was taken over writes nothing, so it can
 * never record over the new holder. `alsoPut` (the scaling's event) is
 * written in the same transaction: both or neither. False when fenced.
 */
export async function giveBackLease(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
  owner: string,
  attributes: Record<string, unknown>,
  alsoPut?: Record<string, unknown>,
): Promise<boolean> {
  const names: Record<string, string> = { ...NAMES };
  const values: Record<string, unknown> = { ':owner': owner };
  const sets: string[] = [];
  Object.entries(attributes).forEach(([field, value], i) => {
    if (value === undefined) return;
    names[`#f${i}`] = field;
    values[`:v${i}`] = value;
    sets.push(`#f${i} = :v${i}`);
  });
  const update = {
    TableName: tableName,
    Key: key,
    UpdateExpression: `${sets.length > 0 ? `SET ${sets.join(', ')} ` : ''}REMOVE #owner, #until`,
    ConditionExpression: '#owner = :owner',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
  try {
    if (alsoPut) await conditional(db.send(new TransactWriteCommand({ TransactItems: [{ Update: update }, { Put: { TableName: tableName, Item: alsoPut } }] })));
    else await conditional(db.send(new UpdateCommand(update)));
    return true;
  } catch (error) {
    // The condition on the lease's token, the transaction's first write.
    if (error instanceof ConditionFailedError && error.items.has(0)) return false;
    throw error;
  }
}
