/**
 * The only module that knows how Tide's single table is keyed. Everything
 * else asks for an entity by its operator-facing names.
 *
 * | entity           | pk                               | sk                     |
 * |------------------|----------------------------------|------------------------|
 * | agent key        | AGENTKEY                         | <key id>               |
 * | aggregate bucket | AGG#<ns>#<service>#<shard>       | <bucket start, 12 digits> |
 * | ingested batch   | BATCH#<ns>#<node>#<batchId>      | <chunk index>          |
 * | service document | SERVICE                          | <ns>#<service>         |
 * | service state    | STATE#<ns>#<service>             | STATE                  |
 * | scaling event    | EVENTS#<ns>#<service>            | <ISO time>#<id>        |
 * | simulated service| SIM#<ns>#<service>               | SIM                    |
 * | webhook receiver | RECEIVER#<projectId>             | <receiver id>          |
 * | receiver name    | RECEIVERNAME#<projectId>         | <name>                 |
 * | webhook key      | WEBHOOKKEY#<key id>              | KEY                    |
 * | host pool        | HOSTPOOL#<ns>                    | <pool>                 |
 * | host pool state  | POOLSTATE#<ns>#<pool>            | STATE                  |
 * | idempotency key  | IDEMPOTENCY#<scope>#<key>        | KEY                    |
 * | rate window      | RATE#<scope>                     | WINDOW                 |
 * | acted-on alert   | ALERT#<receiver id>#<alert>      | ALERT                  |
 * | hour of load     | ROLLUP#<ns>#<service>            | <hour start, 12 digits>   |
 *
 * Aggregates are keyed per (service, shard) so a window read is one query per
 * shard, whatever the number of containers or nodes; the shard comes from the
 * node so that a large service's writes spread over several items.
 * Service documents share one partition so the evaluator lists them all with
 * one paginated query; a service's changing state (lease, replicas, recent
 * recommendations and scalings, and each shadow policy's own replicas,
 * history and scores) is a separate item, so policy edits and evaluations
 * never overwrite each other.
 * A service's load is rolled up into one item per hour (lib/store/rollups.ts),
 * its minutes as a list per load key, so that two weeks of it is 336 small
 * items in one partition: a range of hours is one query, the same hour on
 * each of 14 days one BatchGetItem.
 */
export const attr = {
  pk: 'pk',
  sk: 'sk',
  expiresAt: 'expiresAt',
} as const;

export interface ItemKey {
  pk: string;
  sk: string;
}

const BUCKET_DIGITS = 12;

export const keys = {
  agentKeyPartition: 'AGENTKEY',
  agentKey(id: string): ItemKey {
    return { pk: keys.agentKeyPartition, sk: id };
  },
  aggregatePartition(namespace: string, service: string, shard: number): string {
    return `AGG#${namespace}#${service}#${shard}`;
  },
  bucketSortKey(bucketStartSeconds: number): string {
    return String(bucketStartSeconds).padStart(BUCKET_DIGITS, '0');
  },
  bucketStartFromSortKey(sk: string): number {
    return Number(sk);
  },
  aggregate(namespace: string, service: string, shard: number, bucketStartSeconds: number): ItemKey {
    return { pk: keys.aggregatePartition(namespace, service, shard), sk: keys.bucketSortKey(bucketStartSeconds) };
  },
  batch(namespace: string, node: string, batchId: string, chunk: number): ItemKey {
    return { pk: `BATCH#${namespace}#${node}#${batchId}`, sk: String(chunk) };
  },
  servicePartition: 'SERVICE',
  service(namespace: string, service: string): ItemKey {
    return { pk: keys.servicePartition, sk: `${namespace}#${service}` };
  },
  serviceState(namespace: string, service: string): ItemKey {
    return { pk: `STATE#${namespace}#${service}`, sk: 'STATE' };
  },
  eventPartition(namespace: string, service: string): string {
    return `EVENTS#${namespace}#${service}`;
  },
  event(namespace: string, service: string, isoTime: string, id: string): ItemKey {
    return { pk: keys.eventPartition(namespace, service), sk: `${isoTime}#${id}` };
  },
  simulatedService(namespace: string, service: string): ItemKey {
    return { pk: `SIM#${namespace}#${service}`, sk: 'SIM' };
  },
  receiverPartition(projectId: string): string {
    return `RECEIVER#${projectId}`;
  },
  receiver(projectId: string, id: string): ItemKey {
    return { pk: keys.receiverPartition(projectId), sk: id };
  },
  /** Claims a receiver's name, so names stay unique in a project even under concurrent creates. */
  receiverName(projectId: string, name: string): ItemKey {
    return { pk: `RECEIVERNAME#${projectId}`, sk: name };
  },
  webhookKey(keyId: string): ItemKey {
    return { pk: `WEBHOOKKEY#${keyId}`, sk: 'KEY' };
  },
  hostPoolPartition(namespace: string): string {
    return `HOSTPOOL#${namespace}`;
  },
  hostPool(namespace: string, pool: string): ItemKey {
    return { pk: keys.hostPoolPartition(namespace), sk: pool };
  },
  /** A host pool's lease and recent scalings, apart from its document as a service's state is. */
  hostPoolState(namespace: string, pool: string): ItemKey {
    return { pk: `POOLSTATE#${namespace}#${pool}`, sk: 'STATE' };
  },
  idempotency(scope: string, key: string): ItemKey {
    return { pk: `IDEMPOTENCY#${scope}#${key}`, sk: 'KEY' };
  },
  rateWindow(scope: string): ItemKey {
    return { pk: `RATE#${scope}`, sk: 'WINDOW' };
  },
  /** An Alertmanager alert (its hashed identity) that a receiver has acted on. */
  actedAlert(receiverId: string, alert: string): ItemKey {
    return { pk: `ALERT#${receiverId}#${alert}`, sk: 'ALERT' };
  },
  rollupPartition(namespace: string, service: string): string {
    return `ROLLUP#${namespace}#${service}`;
  },
  /** One hour of a service's per-minute load. */
  rollup(namespace: string, service: string, hourStartSeconds: number): ItemKey {
    return { pk: keys.rollupPartition(namespace, service), sk: keys.bucketSortKey(hourStartSeconds) };
  },
};

/** A rollup item's attribute for one load key: its 60 minutes as a list (null where none was kept). */
export function rollupAttribute(loadKey: string): string {
  return `l:${loadKey}`;
}

/** The load key a rollup item's attribute holds; undefined for any other attribute. */
export function rollupKeyOfAttribute(name: string): string | undefined {
  return name.startsWith('l:') ? name.slice(2) : undefined;
}

/** Aggregate attribute names for one metric: count, sum (in two parts, see lib/store/aggregates.ts), min and max. */
export function aggregateAttributes(metric: string): { count: string; sum: string; sumRemainder: string; min: string; max: string } {
  return { count: `c:${metric}`, sum: `s:${metric}`, sumRemainder: `r:${metric}`, min: `lo:${metric}`, max: `hi:${metric}` };
}

/** An aggregate item's count of the metric names it holds, so that a write can be refused before the item outgrows DynamoDB's limits. */
export const metricCountAttribute = 'metrics';

/** An item as its entity: the table's key attributes taken off. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { [attr.pk]: _pk, [attr.sk]: _sk, ...rest } = item;
  return rest as T;
}

/** Tells a min or max attribute's metric from its name; undefined for any other attribute. */
export function extremeAttribute(name: string): { kind: 'min' | 'max'; metric: string } | undefined {
  if (name.startsWith('lo:')) return { kind: 'min', metric: name.slice(3) };
  if (name.startsWith('hi:')) return { kind: 'max', metric: name.slice(3) };
  return undefined;
}

/** The table's definition, shared by the local scripts and the tests (serverless.yml mirrors it). */
export function tableDefinition(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: attr.pk, AttributeType: 'S' as const },
      { AttributeName: attr.sk, AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: attr.pk, KeyType: 'HASH' as const },
      { AttributeName: attr.sk, KeyType: 'RANGE' as const },
    ],
  };
}
