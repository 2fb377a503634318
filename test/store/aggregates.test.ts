import { NumberValue, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { aggregateSamples } from '../../lib/ingest/aggregate';
import type { Sample } from '../../lib/ingest/schema';
import { AggregateStore, type RecordBatchInput } from '../../lib/store/aggregates';
import { keys } from '../../lib/store/keys';
import { MAX_GROUPS_PER_BATCH, MAX_METRICS_PER_BUCKET } from '../../lib/store/limits';
import { freshNamespace } from '../support/client';

const bucketStart = Math.floor(Date.now() / 60_000) * 60 - 600;

function samplesFor(services: number, values: number[]): Sample[] {
  return Array.from({ length: services }, (_, s) =>
    values.map((cpu_ratio, i) => ({ ts: (bucketStart + i) * 1000, service: `svc${s}`, container: `c${i}`, cpu_ratio })),
  ).flat();
}

function batch(namespace: string, samples: Sample[], batchId?: string): RecordBatchInput {
  return {
    namespace,
    node: 'n1',
    shard: 0,
    ...(batchId ? { batchId } : {}),
    groups: aggregateSamples(samples, 60),
    expiresAt: (start) => start + 3600,
    markerExpiresAt: bucketStart + 7200,
  };
}

/**
 * A client that writes `allowed` items, then fails as if the function died
 * before the next one: a transaction's items count one each, and fail together.
 */
function dyingAfter(db: DynamoDBDocumentClient, allowed: number): DynamoDBDocumentClient {
  let written = 0;
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: { input: { TransactItems?: unknown[] } }) => {
        written += command.input.TransactItems?.length ?? 1;
        if (written > allowed) throw new Error('Lambda timed out');
        return target.send(command as never);
      };
    },
  });
}

const store = () => new AggregateStore(tide().db, tide().config.tableName);
const read = (namespace: string, service: string, metrics = ['cpu_ratio']) => store().readBuckets(namespace, service, metrics, bucketStart * 1000, bucketStart * 1000, 1);

/** One sample carrying `names` custom metrics, each at `value`. */
function wideSample(names: string[], value: number): Sample {
  return { ts: bucketStart * 1000, service: 'wide', container: 'c1', custom: Object.fromEntries(names.map((n) => [n, value])) };
}
const names = (count: number, prefix = 'm') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('AggregateStore', () => {
  it(`stores a batch of ${MAX_GROUPS_PER_BATCH} groups whole or not at all, and counts it once when retried`, async () => {
    const namespace = freshNamespace();
    const samples = samplesFor(MAX_GROUPS_PER_BATCH, [10, 20]);
    // Dies at the 50th item write: a batch written group by group would leave 49 groups behind.
    const dying = new AggregateStore(dyingAfter(tide().db, 49), tide().config.tableName);
    for (const batchId of [undefined, 'b-1']) {
      await expect(dying.recordBatch(batch(namespace, samples, batchId))).rejects.toThrow('Lambda timed out');
      for (const service of ['svc0', 'svc48', 'svc98']) expect(await read(namespace, service)).toEqual([]);
    }

    expect(await store().recordBatch(batch(namespace, samples, 'b-1'))).toEqual({ status: 'stored', accepted: 2 * MAX_GROUPS_PER_BATCH });
    expect(await store().recordBatch(batch(namespace, samples, 'b-1'))).toEqual({ status: 'duplicate' });
    for (const service of ['svc0', 'svc48', 'svc98']) {
      expect(await read(namespace, service)).toEqual([expect.objectContaining({ count: 2, sum: 30, min: 10, max: 20 })]);
    }
  });

  it('refuses, as a programming error, a batch that would need more than one transaction', async () => {
    await expect(store().recordBatch(batch(freshNamespace(), samplesFor(MAX_GROUPS_PER_BATCH + 1, [1])))).rejects.toThrow(/at most 99 groups/);
  });

  it.each([{ idempotent: false }, { idempotent: true }])(
    'keeps count, sum, min and max exact under concurrent writers to one item (batchId: $idempotent)',
    async ({ idempotent }) => {
      const namespace = freshNamespace();
      const writers = 24;
      await Promise.all(
        Array.from({ length: writers }, (_, w) =>
          // a store per writer: separate Lambda containers know nothing of each other
          store().recordBatch(batch(namespace, samplesFor(1, [50 + w, 50 - w]), idempotent ? `w${w}` : undefined)),
        ),
      );
      const [bucket] = await read(namespace, 'svc0');
      expect(bucket).toEqual({ metric: 'cpu_ratio', start: bucketStart * 1000, count: 2 * writers, sum: 100 * writers, min: 50 - (writers - 1), max: 50 + writers - 1 });
    },
  );

  it('adds values from 1e-100 to 2^53 in one bucket, which DynamoDB cannot add exactly, and reads their sum back to a double', async () => {
    const namespace = freshNamespace();
    const writer = store();
    /** One value a batch, so that DynamoDB adds them: 1e-100 + 2^53 has 117 significant digits, DynamoDB holds 38. */
    async function record(service: string, values: number[]) {
      for (const cpu_ratio of values) {
        const stored = await writer.recordBatch(batch(namespace, [{ ts: bucketStart * 1000, service, container: 'c1', cpu_ratio }]));
        expect(stored).toMatchObject({ status: 'stored' });
      }
      return (await read(namespace, service))[0];
    }
    expect(await record('huge', [1e-100, 2 ** 53, 2 ** 53])).toMatchObject({ count: 3, sum: 2 ** 54, min: 1e-100, max: 2 ** 53 });
    expect(await record('mixed', [1e15, 0.5, 1e-100])).toMatchObject({ count: 3, sum: 1e15 + 0.5 });
    const small = [0.1234567891234, 6.651498884408222e-8, 1e-100, 7];
    const bucket = await record('small', small);
    expect(bucket).toMatchObject({ count: 4, min: 1e-100, max: 7 });
    expect(bucket?.sum).toBeCloseTo(small.reduce((a, b) => a + b), 14);
  });

  it('reads back a sum stored before sums were rounded, which the document client could not read', async () => {
    const namespace = freshNamespace();
    await tide().db.send(
      new PutCommand({
        TableName: tide().config.tableName,
        Item: {
          ...keys.aggregate(namespace, 'svc0', 0, bucketStart),
          'c:cpu_ratio': 3,
          's:cpu_ratio': NumberValue.from('13510798882111486.5'),
          'lo:cpu_ratio': NumberValue.from('4503599627370495.5'),
          'hi:cpu_ratio': NumberValue.from('4503599627370495.5'),
        },
      }),
    );
    expect(await read(namespace, 'svc0')).toEqual([
      { metric: 'cpu_ratio', start: bucketStart * 1000, count: 3, sum: 13510798882111486.5, min: 4503599627370495.5, max: 4503599627370495.5 },
    ]);
    // and takes more samples
    expect(await store().recordBatch(batch(namespace, samplesFor(1, [0.5])))).toMatchObject({ status: 'stored' });
    expect(await read(namespace, 'svc0')).toEqual([expect.objectContaining({ count: 4, sum: 13510798882111487, min: 0.5 })]);
  });

  describe(`at most ${MAX_METRICS_PER_BUCKET} metric names per item`, () => {
    it('writes the most names a write can carry, first and again, lowering every min and raising every max', async () => {
      const namespace = freshNamespace();
      const all = names(MAX_METRICS_PER_BUCKET, `a_long_metric_name_${'x'.repeat(36)}_`);
      // Fractions past 9 decimal places: every sum is written in both its parts.
      const batchOf = (values: number[]) => batch(namespace, values.map((v) => wideSample(all, v + 1e-12)));
      expect(await store().recordBatch(batchOf([50]))).toMatchObject({ status: 'stored' });
      // A warm store writes a min and a max guarded for every name; a cold one learns them first.
      const warm = store();
      expect(await warm.recordBatch(batchOf([40, 60]))).toMatchObject({ status: 'stored' });
      expect(await warm.recordBatch(batchOf([30, 70]))).toMatchObject({ status: 'stored' });
      expect(await store().recordBatch(batchOf([20, 80]))).toMatchObject({ status: 'stored' });
      const buckets = await store().readBuckets(namespace, 'wide', all, bucketStart * 1000, bucketStart * 1000, 1);
      expect(buckets).toHaveLength(MAX_METRICS_PER_BUCKET);
      for (const bucket of buckets) {
        expect(bucket).toMatchObject({ count: 7, min: 20 + 1e-12, max: 80 + 1e-12 });
        expect(bucket.sum).toBeCloseTo(350 + 7e-12, 13);
      }
    });

    it('refuses a batch whose new names would pass the limit, storing none of it, and takes the names the item holds', async () => {
      const namespace = freshNamespace();
      const held = names(MAX_METRICS_PER_BUCKET - 2);
      expect(await store().recordBatch(batch(namespace, [wideSample(held, 1)]))).toMatchObject({ status: 'stored' });
      // Another service in the same batch is refused with it: the batch is one write.
      const other: Sample = { ts: bucketStart * 1000, service: 'other', container: 'c1', cpu_ratio: 5 };
      const writer = store();
      // Cold, then knowing the item.
      for (let attempt = 0; attempt < 2; attempt++) {
        const refused = await writer.recordBatch(batch(namespace, [other, wideSample([...held.slice(0, 5), 'new1', 'new2', 'new3'], 2)]));
        expect(refused).toEqual({ status: 'refused', full: [{ service: 'wide', bucketStart, held: MAX_METRICS_PER_BUCKET - 2, newMetrics: ['new1', 'new2', 'new3'] }] });
      }
      expect(await read(namespace, 'other')).toEqual([]);
      expect(await read(namespace, 'wide', ['m0'])).toEqual([expect.objectContaining({ count: 1, sum: 1 })]);

      expect(await store().recordBatch(batch(namespace, [wideSample([...held, 'new1', 'new2'], 3)]))).toMatchObject({ status: 'stored' });
      expect(await store().recordBatch(batch(namespace, [wideSample(['new3'], 3)]))).toMatchObject({ status: 'refused' });
      expect(await read(namespace, 'wide', ['m0', 'new2', 'new3'])).toEqual([
        expect.objectContaining({ metric: 'm0', count: 2, sum: 4 }),
        expect.objectContaining({ metric: 'new2', count: 1, sum: 3 }),
      ]);
    });
  });
});
