import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditional, ConditionFailedError } from './conditions';
import { attr, keys } from './keys';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Two writers racing to open a new window: the loser counts in the winner's window on its next try. */
const MAX_ATTEMPTS = 3;

/**
 * Fixed-window request counters, one item per scope. A window opens with the
 * first request after the last one closed, so its edges follow the traffic;
 * each request is one conditional update, and the item expires with its window.
 */
export class RateLimitStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async hit(scope: string, now: number, limit: number, windowMs: number): Promise<RateDecision> {
    const key = keys.rateWindow(scope);
    for (let attempt = 1; ; attempt++) {
      try {
        await conditional(
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              UpdateExpression: 'ADD #count :one',
              ConditionExpression: '#start > :windowAgo AND #count < :limit',
              ExpressionAttributeNames: { '#count': 'count', '#start': 'windowStart' },
              ExpressionAttributeValues: { ':one': 1, ':windowAgo': now - windowMs, ':limit': limit },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        return { allowed: true };
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
        const start = error.item ? Number(error.item.windowStart) : undefined;
        if (start !== undefined && start > now - windowMs) return { allowed: false, retryAfterMs: start + windowMs - now };
      }
      if (await this.open(key, now, windowMs)) return { allowed: true };
      if (attempt >= MAX_ATTEMPTS) return { allowed: false, retryAfterMs: windowMs };
    }
  }

  /** Starts a new window counting this request; false when another request opened one first. */
  private async open(key: { pk: string; sk: string }, now: number, windowMs: number): Promise<boolean> {
    try {
      await conditional(
        this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...key, windowStart: now, count: 1, [attr.expiresAt]: Math.ceil((now + windowMs) / 1000) + 60 },
            ConditionExpression: 'attribute_not_exists(#pk) OR #start <= :windowAgo',
            ExpressionAttributeNames: { '#pk': attr.pk, '#start': 'windowStart' },
            ExpressionAttributeValues: { ':windowAgo': now - windowMs },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      return false;
    }
  }
}
