import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditional, ConditionFailedError } from './conditions';
import { attr, keys } from './keys';

/** An answer kept for retries, as the first request got it. */
export interface StoredResponse {
  statusCode?: number;
  headers?: Record<string, boolean | number | string>;
  body?: string;
  isBase64Encoded?: boolean;
  cookies?: string[];
}

/** What a request with an Idempotency-Key finds: the first answer, another request still at work, or the go-ahead. */
export type IdempotencyClaim = { state: 'claimed' } | { state: 'answered'; response: StoredResponse } | { state: 'in-progress' };

/**
 * Idempotency keys: the first request claims the key with a conditional
 * write and later stores its answer there; a retry finds the answer and
 * gets it back without acting. A claim whose request died is taken over
 * once its lease has run out.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(scope: string, key: string, owner: string, now: number, leaseMs: number): Promise<IdempotencyClaim> {
    try {
      await conditional(
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.idempotency(scope, key), owner, leaseUntil: now + leaseMs, [attr.expiresAt]: Math.ceil((now + leaseMs) / 1000) },
            ConditionExpression: 'attribute_not_exists(#pk) OR (attribute_not_exists(#response) AND #until < :now)',
            ExpressionAttributeNames: { '#pk': attr.pk, '#response': 'response', '#until': 'leaseUntil' },
            ExpressionAttributeValues: { ':now': now },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return { state: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const response = error.item?.response as StoredResponse | undefined;
      return response ? { state: 'answered', response } : { state: 'in-progress' };
    }
  }

  /** Keeps the answer for retries until `keepSeconds` from now. */
  async answer(scope: string, key: string, owner: string, response: StoredResponse, now: number, keepSeconds: number): Promise<void> {
    try {
      await conditional(
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.idempotency(scope, key),
            UpdateExpression: 'SET #response = :response, #ttl = :ttl REMOVE #until',
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#response': 'response', '#ttl': attr.expiresAt, '#until': 'leaseUntil', '#owner': 'owner' },
            ExpressionAttributeValues: { ':response': response, ':ttl': Math.ceil(now / 1000) + keepSeconds, ':owner': owner },
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }

  /** Gives the key up, so that a retry acts: for answers that say "try again". */
  async release(scope: string, key: string, owner: string): Promise<void> {
    try {
      await conditional(
        this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: keys.idempotency(scope, key),
            ConditionExpression: '#owner = :owner AND attribute_not_exists(#response)',
            ExpressionAttributeNames: { '#owner': 'owner', '#response': 'response' },
            ExpressionAttributeValues: { ':owner': owner },
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}
