/**
 * The only module that knows how Tide's single table is keyed. Everything
 * else asks for an entity by its operator-facing names.
 *
 * | entity           | pk                               | sk                     |
 * |------------------|----------------------------------|------------------------|
 * | agent key        | AGENTKEY                         | <key id>               |
 * | node's bucket    | MIN#<ns>#<hour start>#<shard>    | <bucket start>#<node>  |
 * | samples batch    | MIN#<ns>#<hour start>#<shard>    | <bucket start>#<node>#<batchId>#<chunk> |
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
 * Metrics (lib/store/minutes.ts) are one item per node and bucket (starts
 * and hours in epoch seconds, 12 digits), holding every service the node saw
 * in that bucket: `v` maps each service to [containers, {metric code: [count,
 * sum, min, max]}], a built-in metric's code a digit (METRIC_CODES), a custom
 * one's its name; `seq` orders an agent's posts of the bucket. A samples
 * batch (SPEC's shape, from other senders) is stored the same way under its
 * own batchId. A namespace's services are spread over TIDE_SERVICE_SHARDS
 * partitions by a hash of their name, and its items over one partition per
 * hour, so a window of every service in a shard is one query per hour, and a
 * node's bucket one write of under 1 KB (about 750 bytes for 10 containers of
 * 3 services, every built-in metric: test/store/minutes.test.ts).
 * Service documents share one partition so the evaluator lists them all with
 * one paginated query; each holds its policies parsed, every default applied,
 * and `policyStamp`, what that parse depended on beyond the document
 * (lib/policy/stored.ts: the evaluator runs a policy as stored while the stamp
 * is its own; never shown to clients); a service's changing state (lease, replicas, recent
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
  minutePartition(namespace: string, shard: number, hourStartSeconds: number): string {
    return `MIN#${namespace}#${keys.bucketSortKey(hourStartSeconds)}#${shard}`;
  },
  /** One node's bucket, as an agent posts it: replaced whole by each later post. */
  nodeMinute(namespace: string, shard: number, bucketStartSeconds: number, node: string): ItemKey {
    return { pk: keys.minutePartition(namespace, shard, hourOf(bucketStartSeconds)), sk: `${keys.bucketSortKey(bucketStartSeconds)}#${node}` };
  },
  /** One chunk of one samples batch's aggregates in one bucket: a retried batch finds it already there. */
  batchMinute(namespace: string, shard: number, bucketStartSeconds: number, node: string, batchId: string, chunk: number): ItemKey {
    return { pk: keys.minutePartition(namespace, shard, hourOf(bucketStartSeconds)), sk: `${keys.bucketSortKey(bucketStartSeconds)}#${node}#${batchId}#${chunk}` };
  },
  /** The sort keys of every item of buckets starting from `from` to `to` (epoch seconds, inclusive): '$' sorts just after '#'. */
  minuteRange(fromSeconds: number, toSeconds: number): { ':from': string; ':to': string } {
    return { ':from': keys.bucketSortKey(fromSeconds), ':to': `${keys.bucketSortKey(toSeconds)}$` };
  },
  /** A metrics item's bucket start (epoch seconds) and node, from its sort key (node names hold no '#'). */
  minuteOfSortKey(sk: string): { start: number; node: string } {
    const [start = '', node = ''] = sk.split('#');
    return { start: Number(start), node };
  },
  bucketSortKey(bucketStartSeconds: number): string {
    return String(bucketStartSeconds).padStart(BUCKET_DIGITS, '0');
  },
  bucketStartFromSortKey(sk: string): number {
    return Number(sk);
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

const hourOf = (seconds: number) => Math.floor(seconds / 3600) * 3600;

/** A metrics item's attributes besides its key and expiresAt. */
export const minuteAttr = { services: 'v', seq: 'seq' } as const;

/**
 * Built-in metrics are stored under one digit each, which no custom metric
 * name can start with, to keep a node's bucket within one write unit. Never
 * renumber: stored items keep their codes for the retention.
 */
export const METRIC_CODES: Readonly<Record<string, string>> = {
  cpu_ratio: '0',
  mem_usage: '1',
  mem_limit: '2',
  mem_ratio: '3',
  net_read: '4',
  net_write: '5',
  blk_read: '6',
  blk_write: '7',
};
const METRIC_OF_CODE: ReadonlyMap<string, string> = new Map(Object.entries(METRIC_CODES).map(([metric, code]) => [code, metric]));

export function metricCode(metric: string): string {
  return METRIC_CODES[metric] ?? metric;
}

export function metricOfCode(code: string): string {
  return METRIC_OF_CODE.get(code) ?? code;
}

/** An item as its entity: the table's key attributes taken off. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { [attr.pk]: _pk, [attr.sk]: _sk, ...rest } = item;
  return rest as T;
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
