import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fnv1a } from '../hash';
import type { Aggregate, MetricBucket } from '../statistics';
import { conditional, ConditionFailedError } from './conditions';
import { attr, keys, metricCode, metricOfCode, minuteAttr, type ItemKey } from './keys';
import { queryAll } from './queryAll';

/** One service's aggregates in one bucket, from one node. */
export interface ServiceAggregates {
  /** Containers of the service the node saw in the bucket. */
  containers: number;
  metrics: ReadonlyMap<string, Aggregate>;
}

/** What an agent knows of one bucket so far: every service it saw, and how many times it has sent the bucket. */
export interface NodeMinute {
  /** Epoch ms. */
  start: number;
  /** Grows with each post of the bucket: the stored item is replaced only by a higher one. */
  seq: number;
  services: ReadonlyMap<string, ServiceAggregates>;
}

/** One (service, bucket) of a samples batch. */
export interface BatchGroup extends ServiceAggregates {
  service: string;
  /** Epoch ms. */
  start: number;
}

/** One bucket of one service, merged over every node that reported it. */
export interface ServiceMinute {
  /** Epoch ms. */
  start: number;
  /** Containers seen: each node's largest count in the bucket, added over the nodes. */
  containers: number;
  buckets: MetricBucket[];
}

/** The stored form of one service's aggregates: [containers, {metric code: [count, sum, min, max]}]. */
type StoredService = [number, Record<string, [number, number, number, number]>];

/**
 * Items are put whole, far below DynamoDB's 400 KB; a samples batch too large
 * for one item (many services with many custom metrics) is cut into chunks.
 */
const MAX_CHUNK_CHARS = 200_000;

/**
 * The metrics store: one item per (namespace, node, bucket, service shard),
 * put whole, never updated, so a node's bucket costs one write (1 WRU up to
 * 1 KB) however many posts it takes; layout in lib/store/keys.ts.
 *
 * Exactly once without transactions: an agent's bucket is replaced only by a
 * post with a higher `seq` (a retry, or an older post arriving late, changes
 * nothing); a samples batch is stored as items of its own, keyed by its
 * batchId, each put only where absent.
 */
export class MinuteStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** TIDE_SERVICE_SHARDS: how many partitions a namespace's services are spread over. */
    readonly serviceShards: number,
  ) {}

  /** The shard a service's aggregates are stored in: a stable hash of its name. */
  shardOf(service: string): number {
    return fnv1a(service) % this.serviceShards;
  }

  /** Puts an agent's bucket, one item per shard its services fall in; false when every item held this seq or a later one. */
  async writeNodeMinute(namespace: string, node: string, minute: NodeMinute, expiresAt: number): Promise<boolean> {
    const byShard = this.byShard([...minute.services].map(([service, aggregates]) => ({ service, ...aggregates })));
    const stored = await Promise.all(
      [...byShard].map(async ([shard, services]) => {
        try {
          await conditional(
            this.db.send(
              new PutCommand({
                TableName: this.tableName,
                Item: { ...keys.nodeMinute(namespace, shard, minute.start / 1000, node), [minuteAttr.seq]: minute.seq, [minuteAttr.services]: encode(services), [attr.expiresAt]: expiresAt },
                ConditionExpression: 'attribute_not_exists(#pk) OR #seq < :seq',
                ExpressionAttributeNames: { '#pk': attr.pk, '#seq': minuteAttr.seq },
                ExpressionAttributeValues: { ':seq': minute.seq },
              }),
            ),
          );
          return true;
        } catch (error) {
          if (error instanceof ConditionFailedError) return false;
          throw error;
        }
      }),
    );
    return stored.includes(true);
  }

  /**
   * Puts a samples batch's aggregates as items keyed by its batchId, each only
   * where absent: false when every one was there already (the batch was
   * stored before). A batch cut short by a failure is completed by its retry.
   */
  async writeBatch(namespace: string, node: string, batchId: string, groups: readonly BatchGroup[], expiresAt: (start: number) => number): Promise<boolean> {
    const items: { key: ItemKey; start: number; services: BatchGroup[] }[] = [];
    const byBucket = new Map<string, BatchGroup[]>();
    for (const group of groups) {
      const id = `${group.start}#${this.shardOf(group.service)}`;
      byBucket.set(id, [...(byBucket.get(id) ?? []), group]);
    }
    for (const [id, bucketGroups] of byBucket) {
      const [start, shard] = id.split('#').map(Number) as [number, number];
      chunks(bucketGroups).forEach((services, chunk) => items.push({ key: keys.batchMinute(namespace, shard, start / 1000, node, batchId, chunk), start, services }));
    }
    const stored = await Promise.all(
      items.map(async ({ key, start, services }) => {
        try {
          await conditional(
            this.db.send(
              new PutCommand({
                TableName: this.tableName,
                Item: { ...key, [minuteAttr.services]: encode(services), [attr.expiresAt]: expiresAt(start) },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': attr.pk },
              }),
            ),
          );
          return true;
        } catch (error) {
          if (error instanceof ConditionFailedError) return false;
          throw error;
        }
      }),
    );
    return stored.includes(true);
  }

  /**
   * Every service's buckets in some shards that start from `from` to `to`
   * (epoch ms, inclusive), merged over nodes: one query per (hour, shard).
   */
  async readMinutes(namespace: string, shards: readonly number[], from: number, to: number): Promise<Map<string, MetricBucket[]>> {
    const minutes = await this.readServiceMinutes(namespace, shards, from, to);
    return new Map([...minutes].map(([service, list]) => [service, list.flatMap((m) => m.buckets)]));
  }

  /** As readMinutes, each bucket with the containers seen in it. */
  async readServiceMinutes(namespace: string, shards: readonly number[], from: number, to: number, service?: string): Promise<Map<string, ServiceMinute[]>> {
    const names: Record<string, string> = { '#pk': attr.pk, '#sk': attr.sk, '#v': minuteAttr.services };
    if (service !== undefined) names['#svc'] = service;
    const queries = hoursBetween(from, to).flatMap((hour) =>
      shards.map((shard) =>
        queryAll(this.db, {
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ProjectionExpression: service === undefined ? '#sk, #v' : '#sk, #v.#svc',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':pk': keys.minutePartition(namespace, shard, hour),
            ...keys.minuteRange(Math.ceil(from / 1000), Math.floor(to / 1000)),
          },
        }),
      ),
    );
    const merged = new Map<string, Map<number, { containers: Map<string, number>; buckets: Map<string, MetricBucket> }>>();
    for (const items of await Promise.all(queries)) {
      for (const item of items) {
        const { start, node } = keys.minuteOfSortKey(String(item[attr.sk]));
        const stored = (item[minuteAttr.services] ?? {}) as Record<string, StoredService>;
        for (const [name, [containers, metrics]] of Object.entries(stored)) {
          const byStart = merged.get(name) ?? new Map();
          merged.set(name, byStart);
          const minute = byStart.get(start * 1000) ?? { containers: new Map<string, number>(), buckets: new Map<string, MetricBucket>() };
          byStart.set(start * 1000, minute);
          minute.containers.set(node, Math.max(minute.containers.get(node) ?? 0, containers));
          for (const [code, [count, sum, min, max]] of Object.entries(metrics)) {
            const metric = metricOfCode(code);
            const bucket = minute.buckets.get(metric);
            if (bucket === undefined) minute.buckets.set(metric, { metric, start: start * 1000, count, sum, min, max });
            else {
              bucket.count += count;
              bucket.sum += sum;
              bucket.min = Math.min(bucket.min, min);
              bucket.max = Math.max(bucket.max, max);
            }
          }
        }
      }
    }
    return new Map(
      [...merged].map(([name, byStart]) => [
        name,
        [...byStart]
          .sort(([a], [b]) => a - b)
          .map(([start, m]) => ({
            start,
            containers: [...m.containers.values()].reduce((n, c) => n + c, 0),
            buckets: [...m.buckets.values()].sort((a, b) => (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0)),
          })),
      ]),
    );
  }

  /** One service's buckets of some metrics from `from` to `to` (epoch ms, inclusive), oldest first: one query per hour. */
  async readService(namespace: string, service: string, metrics: readonly string[], from: number, to: number): Promise<MetricBucket[]> {
    const minutes = (await this.readServiceMinutes(namespace, [this.shardOf(service)], from, to, service)).get(service) ?? [];
    const wanted = new Set(metrics);
    return minutes.flatMap((m) => m.buckets.filter((b) => wanted.has(b.metric)));
  }

  private byShard(services: readonly (ServiceAggregates & { service: string })[]): Map<number, (ServiceAggregates & { service: string })[]> {
    const byShard = new Map<number, (ServiceAggregates & { service: string })[]>();
    for (const s of services) {
      const shard = this.shardOf(s.service);
      byShard.set(shard, [...(byShard.get(shard) ?? []), s]);
    }
    return byShard;
  }
}

function encode(services: readonly (ServiceAggregates & { service: string })[]): Record<string, StoredService> {
  const stored: Record<string, StoredService> = {};
  for (const { service, containers, metrics } of services) {
    const entry: StoredService = stored[service] ?? [0, {}];
    entry[0] = Math.max(entry[0], containers);
    for (const [metric, a] of metrics) entry[1][metricCode(metric)] = [a.count, a.sum, a.min, a.max];
    stored[service] = entry;
  }
  return stored;
}

/** Groups cut into runs small enough for one item each, the same cut for the same groups (a retry finds its chunks). */
function chunks<T extends BatchGroup>(groups: readonly T[]): T[][] {
  const out: T[][] = [[]];
  let chars = 0;
  for (const group of groups) {
    const size = group.service.length + 40 * (group.metrics.size + 1) + [...group.metrics.keys()].reduce((n, m) => n + m.length, 0);
    const last = out[out.length - 1] as T[];
    if (last.length > 0 && chars + size > MAX_CHUNK_CHARS) {
      out.push([group]);
      chars = size;
    } else {
      last.push(group);
      chars += size;
    }
  }
  return out;
}

/** Epoch seconds of every hour from the one holding `from` to the one holding `to` (epoch ms). */
function hoursBetween(from: number, to: number): number[] {
  const hours: number[] = [];
  for (let hour = Math.floor(from / 3600_000) * 3600; hour * 1000 <= to; hour += 3600) hours.push(hour);
  return hours;
}
