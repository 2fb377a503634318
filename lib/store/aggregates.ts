import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { BucketGroup } from '../ingest/aggregate';
import { aggregateAttributes, attr, keys, type ItemKey } from './keys';
import { KnownExtremes } from './knownExtremes';
import { queryAll } from './query';

/** DynamoDB allows 100 items a transaction; one is the batch marker. */
const GROUPS_PER_TRANSACTION = 99;
const MAX_ATTEMPTS = 8;

export interface RecordBatchInput {
  namespace: string;
  node: string;
  shard: number;
  batchId?: string;
  groups: BucketGroup[];
  /** Epoch seconds at which the aggregates expire. */
  expiresAt: (bucketStart: number) => number;
  /** Epoch seconds at which the batch marker expires. */
  markerExpiresAt: number;
}

export interface RecordBatchResult {
  /** Samples counted by this call (0 when the whole batch had been counted before). */
  accepted: number;
  duplicate: boolean;
}

/** One bucket of one metric, merged over every shard. */
export interface MetricBucket {
  metric: string;
  start: number; // epoch seconds
  count: number;
  sum: number;
  min: number;
  max: number;
}

interface UpdatePlan {
  key: ItemKey;
  group: BucketGroup;
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt: number) => pause(Math.random() * 10 * 2 ** attempt);

/**
 * Writes a batch's aggregates: count and sum by ADD, min and max by a guarded
 * SET. DynamoDB has no MIN/MAX update, so a min or max is written only when it
 * may improve on the stored one, and the condition makes a stale guess fail
 * harmlessly; the failure returns the stored item and the write is retried
 * with what it says. With a batchId every chunk goes in one transaction with
 * a marker item, so a batch replayed after a crash half-way counts once.
 */
export class AggregateStore {
  private readonly extremes = new KnownExtremes(20_000);

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordBatch(input: RecordBatchInput): Promise<RecordBatchResult> {
    const keyed = input.groups.map((group) => ({
      group,
      key: keys.aggregate(input.namespace, group.service, input.shard, group.bucketStart),
    }));
    if (input.batchId === undefined) {
      await Promise.all(keyed.map(({ group, key }) => this.updateOne(key, group, input.expiresAt(group.bucketStart))));
      return { accepted: sumSamples(input.groups), duplicate: false };
    }
    let accepted = 0;
    let applied = 0;
    for (let i = 0, chunk = 0; i < keyed.length; i += GROUPS_PER_TRANSACTION, chunk++) {
      const part = keyed.slice(i, i + GROUPS_PER_TRANSACTION);
      const marker = keys.batch(input.namespace, input.node, input.batchId, chunk);
      if (await this.transactChunk(marker, input.markerExpiresAt, part, input.expiresAt)) {
        applied++;
        accepted += sumSamples(part.map((p) => p.group));
      }
    }
    return { accepted, duplicate: applied === 0 };
  }

  /** Reads one service's buckets for some metrics between two bucket starts, inclusive: one query per shard. */
  async readBuckets(
    namespace: string,
    service: string,
    metrics: readonly string[],
    fromSeconds: number,
    toSeconds: number,
    shards: number,
  ): Promise<MetricBucket[]> {
    const names: Record<string, string> = { '#sk': attr.sk, '#pk': attr.pk };
    const projection = ['#sk'];
    metrics.forEach((metric, i) => {
      const a = aggregateAttributes(metric);
      Object.assign(names, { [`#c${i}`]: a.count, [`#s${i}`]: a.sum, [`#l${i}`]: a.min, [`#h${i}`]: a.max });
      projection.push(`#c${i}`, `#s${i}`, `#l${i}`, `#h${i}`);
    });
    const merged = new Map<string, MetricBucket>();
    const perShard = await Promise.all(
      Array.from({ length: shards }, (_, shard) =>
        queryAll(this.db, {
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ProjectionExpression: projection.join(', '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':pk': keys.aggregatePartition(namespace, service, shard),
            ':from': keys.bucketSortKey(fromSeconds),
            ':to': keys.bucketSortKey(toSeconds),
          },
        }),
      ),
    );
    for (const items of perShard) {
      for (const item of items) {
        const start = keys.bucketStartFromSortKey(String(item[attr.sk]));
        for (const metric of metrics) {
          const a = aggregateAttributes(metric);
          const count = item[a.count];
          if (typeof count !== 'number' || count === 0) continue;
          const id = `${metric}\u0000${start}`;
          const bucket = merged.get(id);
          const lo = Number(item[a.min]);
          const hi = Number(item[a.max]);
          const sum = Number(item[a.sum]);
          if (bucket === undefined) merged.set(id, { metric, start, count, sum, min: lo, max: hi });
          else {
            bucket.count += count;
            bucket.sum += sum;
            bucket.min = Math.min(bucket.min, lo);
            bucket.max = Math.max(bucket.max, hi);
          }
        }
      }
    }
    return [...merged.values()].sort((a, b) => a.start - b.start || (a.metric < b.metric ? -1 : 1));
  }

  private async updateOne(key: ItemKey, group: BucketGroup, expiresAt: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const plan = this.plan(key, group, expiresAt);
      try {
        const out = await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: plan.UpdateExpression,
            ConditionExpression: plan.ConditionExpression,
            ExpressionAttributeNames: plan.ExpressionAttributeNames,
            ExpressionAttributeValues: plan.ExpressionAttributeValues,
            ReturnValues: plan.ConditionExpression ? 'ALL_NEW' : 'NONE',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        if (out.Attributes) this.extremes.learn(key, out.Attributes);
        return;
      } catch (error) {
        if (!isConditionFailure(error) || attempt >= MAX_ATTEMPTS) throw error;
        // The exception carries the stored item in DynamoDB's wire format.
        const stored = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
        if (stored) this.extremes.learn(key, unmarshall(stored));
      }
    }
  }

  /** Applies one chunk with its marker; false when the marker shows the chunk was applied before. */
  private async transactChunk(
    marker: ItemKey,
    markerExpiresAt: number,
    part: Array<{ group: BucketGroup; key: ItemKey }>,
    expiresAt: (bucketStart: number) => number,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const plans = part.map(({ group, key }) => this.plan(key, group, expiresAt(group.bucketStart)));
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: { ...marker, [attr.expiresAt]: markerExpiresAt },
                  ConditionExpression: 'attribute_not_exists(#pk)',
                  ExpressionAttributeNames: { '#pk': attr.pk },
                },
              },
              ...plans.map((plan) => ({
                Update: {
                  TableName: this.tableName,
                  Key: plan.key,
                  UpdateExpression: plan.UpdateExpression,
                  ConditionExpression: plan.ConditionExpression,
                  ExpressionAttributeNames: plan.ExpressionAttributeNames,
                  ExpressionAttributeValues: plan.ExpressionAttributeValues,
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
                },
              })),
            ],
          }),
        );
        plans.forEach((plan) => this.extremes.applied(plan.key, plan.group));
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt >= MAX_ATTEMPTS) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
        reasons.slice(1).forEach((reason, i) => {
          const plan = plans[i];
          if (plan && reason.Code === 'ConditionalCheckFailed' && reason.Item) {
            this.extremes.learn(plan.key, unmarshall(reason.Item));
          }
        });
        // Conflicts with concurrent writers to the same bucket: back off and try again.
        if (reasons.some((r) => r.Code === 'TransactionConflict')) await backoff(attempt);
      }
    }
  }

  private plan(key: ItemKey, group: BucketGroup, expiresAt: number): UpdatePlan {
    const names: Record<string, string> = { '#ttl': attr.expiresAt };
    const values: Record<string, unknown> = { ':ttl': expiresAt };
    const adds: string[] = [];
    const sets = ['#ttl = :ttl'];
    const conditions: string[] = [];
    let i = 0;
    for (const [metric, agg] of group.metrics) {
      const a = aggregateAttributes(metric);
      names[`#c${i}`] = a.count;
      names[`#s${i}`] = a.sum;
      values[`:c${i}`] = agg.count;
      values[`:s${i}`] = agg.sum;
      adds.push(`#c${i} :c${i}`, `#s${i} :s${i}`);
      if (this.extremes.mayLower(key, metric, agg.min)) {
        names[`#l${i}`] = a.min;
        values[`:l${i}`] = agg.min;
        sets.push(`#l${i} = :l${i}`);
        conditions.push(`(attribute_not_exists(#l${i}) OR #l${i} > :l${i})`);
      }
      if (this.extremes.mayRaise(key, metric, agg.max)) {
        names[`#h${i}`] = a.max;
        values[`:h${i}`] = agg.max;
        sets.push(`#h${i} = :h${i}`);
        conditions.push(`(attribute_not_exists(#h${i}) OR #h${i} < :h${i})`);
      }
      i++;
    }
    return {
      key,
      group,
      UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
      ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }
}

function sumSamples(groups: readonly BucketGroup[]): number {
  return groups.reduce((n, g) => n + g.samples, 0);
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
