import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attr, keys } from './keys';

/** Who asked for a scaling: the policy engine, a webhook receiver, or an operator. */
export type Trigger = 'policy' | 'webhook' | 'manual';

/** A scaling event, as SPEC.md shows it. */
export interface ScalingEvent {
  ts: string;
  namespace: string;
  service: string;
  /** null only on a failed read of a service whose replicas Tide never knew: no invented count. */
  from: number | null;
  to: number | null;
  trigger: Trigger;
  reason: string;
  status: 'applied' | 'failed' | 'skipped';
  detail?: string;
  /** The webhook receiver's name, for trigger "webhook". */
  receiver?: string;
}

export class EventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionSeconds: number,
  ) {}

  /**
   * The event as stored: it is written with the lease's release
   * (ServiceStateStore), so that a fenced scaling records nothing, and named
   * by the scaling's lease token, so that a scaling's event is one item.
   */
  item(event: ScalingEvent, lease: string): Record<string, unknown> {
    return {
      ...keys.event(event.namespace, event.service, event.ts, lease),
      ...event,
      [attr.expiresAt]: Math.floor(Date.parse(event.ts) / 1000) + this.retentionSeconds,
    };
  }

  /** Newest first. */
  async list(namespace: string, service: string, limit: number): Promise<ScalingEvent[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': attr.pk },
        ExpressionAttributeValues: { ':pk': keys.eventPartition(namespace, service) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(({ pk: _pk, sk: _sk, expiresAt: _expiresAt, ...event }) => event as ScalingEvent);
  }
}
