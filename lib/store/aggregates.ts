import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { NumberValue, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Aggregate, MetricBucket } from '../statistics';
import { unmarshallItem } from './client';
import { conditional, ConditionFailedError } from './conditions';
import { aggregateAttributes, attr, keys, metricCountAttribute, type ItemKey } from './keys';
import { KnownExtremes } from './knownExtremes';
import { MAX_GROUPS_PER_BATCH, MAX_METRICS_PER_BUCKET } from './limits';
import { queryAll } from './queryAll';

/**
 * DynamoDB adds numbers exactly, to 38 significant digits, or refuses the
 * write; and a sum that uses all 38 can never grow by another digit. So a
 * sum is kept in two fixed-point parts: to 9 decimal places, and what those
 * leave out to 30. Each batch adds under 1000 × 2^53 (ingest's bounds) to the
 * first and under 1e-9 to the second; an item takes at most about 1000
 * writes a second (DynamoDB's per-item rate) for the two hours its bucket
 * accepts samples at the most, so the first stays under 1e29 (29 + 9 digits)
 * and the second under 1 (1 + 30). Their sum reads back to a double's
 * precision for values from 1e-13 up; values under 1e-30 count as 0 in sums
 * (not in min and max, which are stored as sent).
 */
const SUM_DECIMALS = 9;
const REMAINDER_DECIMALS = 30;
const MAX_ATTEMPTS = 8;

/** One service's aggregates of one batch in one bucket: what is added to the bucket's item. */
export interface BucketAggregates {
  service: string;
  /** Epoch seconds. */
  bucketStart: number;
  samples: number;
  metrics: ReadonlyMap<string, Aggregate>;
}

export interface RecordBatchInput {
  namespace: string;
  node: string;
  shard: number;
  batchId?: string;
  groups: readonly BucketAggregates[];
  /** Epoch seconds at which the aggregates expire. */
  expiresAt: (bucketStart: number) => number;
  /** Epoch seconds at which the batch marker expires. */
  markerExpiresAt: number;
}

/** A bucket item that has no room for a batch's new metric names. */
export interface FullBucket {
  service: string;
  bucketStart: number;
  /** Metric names the item holds. */
  held: number;
  /** The batch's metric names it does not hold yet. */
  newMetrics: string[];
}

export type RecordBatchResult =
  | { status: 'stored'; accepted: number }
  /** The batchId was stored before: nothing counted again. */
  | { status: 'duplicate' }
  /** Nothing stored: these buckets would pass MAX_METRICS_PER_BUCKET. */
  | { status: 'refused'; full: FullBucket[] };

interface Write {
  key: ItemKey;
  group: BucketAggregates;
  expiresAt: number;
}

interface UpdatePlan {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

type WriteOutcome = Exclude<RecordBatchResult, { status: 'stored' }> | 'stored';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (attempt: number) => pause(Math.random() * 10 * 2 ** attempt);

/**
 * Writes a batch's aggregates: count, sum and the item's count of metric
 * names by ADD, min and max by a guarded SET. DynamoDB has no MIN/MAX update,
 * so a min or max is written only when it may improve on the stored one, and
 * the condition makes a stale guess fail harmlessly; the failure returns the
 * stored item and the write is retried with what it says. The same
 * conditions keep an item within MAX_METRICS_PER_BUCKET names: a batch that
 * would pass it is refused, as a value, with nothing stored.
 *
 * A batch is one write: one group without a batchId is one UpdateItem;
 * anything else, one transaction of its groups and, with a batchId, a marker
 * item, so a batch replayed after a lost answer counts once.
 */
export class AggregateStore {
  private readonly extremes = new KnownExtremes(20_000);

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordBatch(input: RecordBatchInput): Promise<RecordBatchResult> {
    if (input.groups.length > MAX_GROUPS_PER_BATCH) throw new RangeError(`a batch folds into at most ${MAX_GROUPS_PER_BATCH} groups`);
    const writes = input.groups.map((group) => ({
      group,
      key: keys.aggregate(input.namespace, group.service, input.shard, group.bucketStart),
      expiresAt: input.expiresAt(group.bucketStart),
    }));
    // A batch is one transaction, its marker chunk 0 (as when batches were cut into several).
    const marker = input.batchId === undefined ? undefined : keys.batch(input.namespace, input.node, input.batchId, 0);
    const [single] = writes;
    const outcome =
      marker === undefined && single !== undefined && writes.length === 1
        ? await this.updateOne(single)
        : await this.transact(marker === undefined ? undefined : { key: marker, expiresAt: input.markerExpiresAt }, writes);
    return outcome === 'stored' ? { status: 'stored', accepted: input.groups.reduce((n, g) => n + g.samples, 0) } : outcome;
  }

  /** Reads one service's buckets for some metrics that start from `from` to `to` (epoch ms), inclusive: one query per shard. */
  async readBuckets(namespace: string, service: string, metrics: readonly string[], from: number, to: number, shards: number): Promise<MetricBucket[]> {
    const names: Record<string, string> = { '#sk': attr.sk, '#pk': attr.pk };
    const projection = ['#sk'];
    metrics.forEach((metric, i) => {
      const a = aggregateAttributes(metric);
      Object.assign(names, { [`#c${i}`]: a.count, [`#s${i}`]: a.sum, [`#r${i}`]: a.sumRemainder, [`#l${i}`]: a.min, [`#h${i}`]: a.max });
      projection.push(`#c${i}`, `#s${i}`, `#r${i}`, `#l${i}`, `#h${i}`);
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
            ':from': keys.bucketSortKey(Math.ceil(from / 1000)),
            ':to': keys.bucketSortKey(Math.floor(to / 1000)),
          },
        }),
      ),
    );
    for (const items of perShard) {
      for (const item of items) {
        const start = keys.bucketStartFromSortKey(String(item[attr.sk])) * 1000;
        for (const metric of metrics) {
          const a = aggregateAttributes(metric);
          const count = item[a.count];
          if (typeof count !== 'number' || count === 0) continue;
          const id = `${metric}\u0000${start}`;
          const bucket = merged.get(id);
          const lo = Number(item[a.min]);
          const hi = Number(item[a.max]);
          const sum = Number(item[a.sum]) + Number(item[a.sumRemainder] ?? 0);
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

  /** One item, without a marker: an UpdateItem is as atomic as a transaction, at half the write units. */
  private async updateOne(write: Write): Promise<WriteOutcome> {
    for (let attempt = 1; ; attempt++) {
      const plan = this.plan(write);
      try {
        const out = await conditional(
          this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: write.key,
              ...plan,
              ReturnValues: plan.ConditionExpression ? 'ALL_NEW' : 'NONE',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        if (out.Attributes) this.extremes.learn(write.key, out.Attributes);
        else this.extremes.applied(write.key, write.group.metrics);
        return 'stored';
      } catch (error) {
        if (!(error instanceof ConditionFailedError) || attempt >= MAX_ATTEMPTS) throw error;
        this.extremes.learn(write.key, error.item);
        const full = this.fullBuckets([write]);
        if (full.length > 0) return { status: 'refused', full };
      }
    }
  }

  /** All the writes and the marker, or none: false guesses are learnt from and tried again. */
  private async transact(marker: { key: ItemKey; expiresAt: number } | undefined, writes: Write[]): Promise<WriteOutcome> {
    for (let attempt = 1; ; attempt++) {
      const updates = writes.map((write) => ({
        Update: { TableName: this.tableName, Key: write.key, ...this.plan(write), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const },
      }));
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              ...(marker === undefined
                ? []
                : [
                    {
                      Put: {
                        TableName: this.tableName,
                        Item: { ...marker.key, [attr.expiresAt]: marker.expiresAt },
                        ConditionExpression: 'attribute_not_exists(#pk)',
                        ExpressionAttributeNames: { '#pk': attr.pk },
                      },
                    },
                  ]),
              ...updates,
            ],
          }),
        );
        writes.forEach((write) => this.extremes.applied(write.key, write.group.metrics));
        return 'stored';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || attempt >= MAX_ATTEMPTS) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (marker !== undefined && reasons[0]?.Code === 'ConditionalCheckFailed') return { status: 'duplicate' };
        const itemReasons = marker === undefined ? reasons : reasons.slice(1);
        const failed: Write[] = [];
        writes.forEach((write, i) => {
          const reason = itemReasons[i];
          if (reason?.Code !== 'ConditionalCheckFailed') return;
          this.extremes.learn(write.key, reason.Item ? unmarshallItem(reason.Item) : undefined);
          failed.push(write);
        });
        const full = this.fullBuckets(failed);
        if (full.length > 0) return { status: 'refused', full };
        // A write DynamoDB cannot make fails the same way again.
        if (reasons.some((r) => r.Code === 'ValidationError' || r.Code === 'ItemCollectionSizeLimitExceeded')) throw error;
        // Conflicts with concurrent writers to the same bucket, or throttling: back off and try again.
        if (reasons.some((r) => r.Code !== 'None' && r.Code !== 'ConditionalCheckFailed')) await backoff(attempt);
      }
    }
  }

  /** Of writes whose items were just read back, those that would take their item past MAX_METRICS_PER_BUCKET. */
  private fullBuckets(writes: readonly Write[]): FullBucket[] {
    return writes.flatMap(({ key, group }) => {
      const held = this.extremes.metricCount(key);
      const newMetrics = [...group.metrics.keys()].filter((metric) => !this.extremes.holds(key, metric));
      return held + newMetrics.length > MAX_METRICS_PER_BUCKET ? [{ service: group.service, bucketStart: group.bucketStart, held, newMetrics }] : [];
    });
  }

  private plan({ key, group, expiresAt }: Write): UpdatePlan {
    const names: Record<string, string> = { '#ttl': attr.expiresAt };
    const values: Record<string, unknown> = { ':ttl': expiresAt };
    const adds: string[] = [];
    const sets = ['#ttl = :ttl'];
    const conditions: string[] = [];
    let newMetrics = 0;
    let i = 0;
    for (const [metric, agg] of group.metrics) {
      const a = aggregateAttributes(metric);
      names[`#c${i}`] = a.count;
      names[`#s${i}`] = a.sum;
      values[`:c${i}`] = agg.count;
      const sum = fixedPoint(agg.sum, SUM_DECIMALS);
      values[`:s${i}`] = NumberValue.from(sum);
      adds.push(`#c${i} :c${i}`, `#s${i} :s${i}`);
      const remainder = fixedPoint(agg.sum - Number(sum), REMAINDER_DECIMALS);
      if (remainder !== '0') {
        names[`#r${i}`] = a.sumRemainder;
        values[`:r${i}`] = NumberValue.from(remainder);
        adds.push(`#r${i} :r${i}`);
      }
      // A metric the item lacks takes this batch's min and max as they are; one it holds, only where they improve.
      const held = this.extremes.holds(key, metric);
      if (!held) {
        newMetrics++;
        conditions.push(`attribute_not_exists(#c${i})`);
      }
      if (!held || this.extremes.mayLower(key, metric, agg.min)) {
        names[`#l${i}`] = a.min;
        values[`:l${i}`] = NumberValue.from(String(agg.min));
        sets.push(`#l${i} = :l${i}`);
        if (held) conditions.push(`#l${i} > :l${i}`);
      }
      if (!held || this.extremes.mayRaise(key, metric, agg.max)) {
        names[`#h${i}`] = a.max;
        values[`:h${i}`] = NumberValue.from(String(agg.max));
        sets.push(`#h${i} = :h${i}`);
        if (held) conditions.push(`#h${i} < :h${i}`);
      }
      i++;
    }
    if (newMetrics > 0) {
      names['#n'] = metricCountAttribute;
      values[':n'] = newMetrics;
      values[':room'] = MAX_METRICS_PER_BUCKET - newMetrics;
      adds.push('#n :n');
      conditions.push('(attribute_not_exists(#n) OR #n <= :room)');
    }
    return {
      UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
      ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }
}

/** A number to so many decimal places, written out in full as DynamoDB should add it. */
function fixedPoint(value: number, decimals: number): string {
  const fixed = value.toFixed(decimals);
  return Number(fixed) === 0 ? '0' : fixed;
}
