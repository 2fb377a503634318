import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditional, ConditionFailedError } from './conditions';
import { attr, keys } from './keys';

/** DynamoDB's limit on the items of one transaction. */
const TRANSACTION_ITEMS = 100;
/** Writes in flight at once, so a notification listing hundreds of alerts does not open hundreds of connections. */
const PARALLEL_WRITES = 25;
/** Tries of a claim that keeps meeting another delivery's transaction on the same alerts. */
const ATTEMPTS = 5;

/**
 * The Alertmanager alerts each receiver has acted on, one item per
 * (receiver, alert). A delivery claims the alerts of its notification in
 * one conditional transaction, all or none: of two deliveries of the same
 * notification at the same moment, one claims every new alert and the
 * other none, so the step is taken once and whole. Alerts claimed before
 * have their expiry moved on, so an alert is remembered as long as
 * notifications keep listing it.
 */
export class ActedAlertStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Claims the alerts for `owner`: returns those no one had claimed before, each kept until `keepSeconds` after now. */
  async claim(receiverId: string, alerts: string[], owner: string, now: number, keepSeconds: number): Promise<string[]> {
    const expiresAt = Math.ceil(now / 1000) + keepSeconds;
    const claimed: string[] = [];
    const known: string[] = [];
    for (let i = 0; i < alerts.length; i += TRANSACTION_ITEMS) {
      const outcome = await this.claimAtOnce(receiverId, alerts.slice(i, i + TRANSACTION_ITEMS), owner, expiresAt);
      claimed.push(...outcome.claimed);
      known.push(...outcome.known);
    }
    await inParallel(known, (alert) => this.keep(receiverId, alert, expiresAt));
    return claimed;
  }

  /** Forgets alerts `owner` claimed and could not act on, so that a retry of the notification acts on them. */
  async release(receiverId: string, alerts: string[], owner: string): Promise<void> {
    await inParallel(alerts, async (alert) => {
      try {
        await conditional(
          this.db.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: keys.actedAlert(receiverId, alert),
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'claimedBy' },
              ExpressionAttributeValues: { ':owner': owner },
            }),
          ),
        );
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    });
  }

  /**
   * One transaction of conditional puts; when it is cancelled, the alerts
   * whose condition failed were claimed before and are left out of the next
   * try, and a conflict with another delivery's transaction is tried again
   * once that one has settled.
   */
  private async claimAtOnce(receiverId: string, alerts: string[], owner: string, expiresAt: number): Promise<{ claimed: string[]; known: string[] }> {
    let pending = alerts;
    const known: string[] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: pending.map((alert) => ({
              Put: {
                TableName: this.tableName,
                Item: { ...keys.actedAlert(receiverId, alert), claimedBy: owner, [attr.expiresAt]: expiresAt },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': attr.pk },
              },
            })),
          }),
        );
        return { claimed: pending, known };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt === ATTEMPTS) throw error;
        const reasons = error.CancellationReasons ?? [];
        const taken = pending.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed');
        if (taken.length > 0) {
          known.push(...taken);
          pending = pending.filter((alert) => !taken.includes(alert));
        } else if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
          await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * (0.5 + Math.random())));
        } else {
          throw error;
        }
      }
    }
    return { claimed: [], known };
  }

  /** Moves a claimed alert's expiry on; an alert given back in the meantime stays forgotten. */
  private async keep(receiverId: string, alert: string, expiresAt: number): Promise<void> {
    try {
      await conditional(
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.actedAlert(receiverId, alert),
            UpdateExpression: 'SET #ttl = :ttl',
            ConditionExpression: 'attribute_exists(#pk)',
            ExpressionAttributeNames: { '#pk': attr.pk, '#ttl': attr.expiresAt },
            ExpressionAttributeValues: { ':ttl': expiresAt },
          }),
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

async function inParallel<T>(items: T[], write: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL_WRITES) await Promise.all(items.slice(i, i + PARALLEL_WRITES).map(write));
}
