import { BatchGetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attr, keys, rollupAttribute, rollupKeyOfAttribute } from './keys';
import { queryAll } from './queryAll';

export const HOUR_MS = 3_600_000;
const MINUTES_PER_HOUR = 60;

/** How long a service's hourly load is kept: two weeks of the same hour on earlier days, for prediction and `tide tune`. */
export const ROLLUP_RETENTION_DAYS = 14;

/**
 * Loads are kept to 4 significant digits: a sizing decision never turns on the fifth, and a
 * DynamoDB number costs about a byte per two digits, so a minute costs 3 to 4 bytes, not up to 11.
 */
const SIGNIFICANT_DIGITS = 4;

/** DynamoDB's BatchGetItem takes at most 100 keys. */
const MAX_KEYS_PER_BATCH = 100;

/** One service's load in one hour: per load key (lib/policy/pastLoad.ts), the load of each of its 60 minutes, undefined where none was kept. */
export interface HourOfLoad {
  /** Epoch ms, a multiple of an hour. */
  hour: number;
  loads: ReadonlyMap<string, ReadonlyArray<number | undefined>>;
}

/**
 * A service's per-minute load, rolled up into one item per hour, kept ROLLUP_RETENTION_DAYS:
 * what prediction reads past the minute buckets' retention, and what `tide tune` replays. An
 * hour's item holds a list of 60 numbers per load key (about 250 bytes each), so a service costs
 * 24 items a day whatever its traffic.
 */
export class RollupStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Writes an hour, replacing what was written for it before: writing the same hour twice is harmless. */
  async putHour(namespace: string, service: string, { hour, loads }: HourOfLoad): Promise<void> {
    if (hour % HOUR_MS !== 0) throw new RangeError(`an hour's rollup starts on the hour, not at ${new Date(hour).toISOString()}`);
    const item: Record<string, unknown> = {
      ...keys.rollup(namespace, service, hour / 1000),
      [attr.expiresAt]: (hour + HOUR_MS) / 1000 + ROLLUP_RETENTION_DAYS * 86_400,
    };
    for (const [key, minutes] of loads) {
      if (minutes.length !== MINUTES_PER_HOUR) throw new RangeError(`an hour's rollup holds ${MINUTES_PER_HOUR} minutes of ${key}, not ${minutes.length}`);
      item[rollupAttribute(key)] = minutes.map((load) => (load === undefined ? null : Number(load.toPrecision(SIGNIFICANT_DIGITS))));
    }
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  /** The hours asked for that were written, in one BatchGetItem per 100 hours (and a retry of any DynamoDB left unprocessed). */
  async getHours(namespace: string, service: string, hours: readonly number[]): Promise<HourOfLoad[]> {
    const found: HourOfLoad[] = [];
    for (let i = 0; i < hours.length; i += MAX_KEYS_PER_BATCH) {
      let request: Record<string, { Keys: Array<Record<string, unknown>> }> | undefined = {
        [this.tableName]: { Keys: hours.slice(i, i + MAX_KEYS_PER_BATCH).map((hour): Record<string, unknown> => ({ ...keys.rollup(namespace, service, hour / 1000) })) },
      };
      while (request && Object.keys(request).length > 0) {
        const out = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        found.push(...(out.Responses?.[this.tableName] ?? []).map(toHour));
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return found.sort((a, b) => a.hour - b.hour);
  }

  /** The hours written that start from `from` to `to` (epoch ms), inclusive, oldest first: one Query (of a page per 1 MB, about 2,000 hours). */
  async readHours(namespace: string, service: string, from: number, to: number): Promise<HourOfLoad[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': attr.pk, '#sk': attr.sk },
      ExpressionAttributeValues: {
        ':pk': keys.rollupPartition(namespace, service),
        ':from': keys.bucketSortKey(Math.ceil(from / 1000)),
        ':to': keys.bucketSortKey(Math.floor(to / 1000)),
      },
    });
    return items.map(toHour);
  }
}

function toHour(item: Record<string, unknown>): HourOfLoad {
  const loads = new Map<string, Array<number | undefined>>();
  for (const [name, value] of Object.entries(item)) {
    const key = rollupKeyOfAttribute(name);
    if (key === undefined || !Array.isArray(value)) continue;
    loads.set(key, value.map((load) => (typeof load === 'number' ? load : undefined)));
  }
  return { hour: keys.bucketStartFromSortKey(String(item[attr.sk])) * 1000, loads };
}
