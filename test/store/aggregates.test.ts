import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { aggregateSamples } from '../../lib/ingest/aggregate';
import type { Sample } from '../../lib/ingest/schema';
import { AggregateStore, type RecordBatchInput } from '../../lib/store/aggregates';
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

/** A client that lets `allowed` transactions through, then fails as if the function died. */
function dyingAfter(db: DynamoDBDocumentClient, allowed: number): DynamoDBDocumentClient {
  let transactions = 0;
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown) => {
        if (command instanceof TransactWriteCommand && ++transactions > allowed) throw new Error('Lambda timed out');
        return target.send(command as never);
      };
    },
  });
}

describe('AggregateStore', () => {
  it('counts a batch once when it is retried after dying half-way through', async () => {
    const app = tide();
    const namespace = freshNamespace();
    // 150 services in one bucket: two transactions of up to 99 groups.
    const samples = samplesFor(150, [10, 20]);
    const dying = new AggregateStore(dyingAfter(app.db, 1), app.config.tableName);
    await expect(dying.recordBatch(batch(namespace, samples, 'b-1'))).rejects.toThrow('Lambda timed out');

    const retry = await new AggregateStore(app.db, app.config.tableName).recordBatch(batch(namespace, samples, 'b-1'));
    expect(retry).toEqual({ accepted: 2 * 51, duplicate: false });
    const again = await new AggregateStore(app.db, app.config.tableName).recordBatch(batch(namespace, samples, 'b-1'));
    expect(again).toEqual({ accepted: 0, duplicate: true });

    const store = new AggregateStore(app.db, app.config.tableName);
    for (const service of ['svc0', 'svc98', 'svc99', 'svc149']) {
      const [bucket] = await store.readBuckets(namespace, service, ['cpu_ratio'], bucketStart, bucketStart, 1);
      expect(bucket).toMatchObject({ count: 2, sum: 30, min: 10, max: 20 });
    }
  });

  it.each([{ idempotent: false }, { idempotent: true }])(
    'keeps count, sum, min and max exact under concurrent writers to one item (batchId: $idempotent)',
    async ({ idempotent }) => {
      const app = tide();
      const namespace = freshNamespace();
      const writers = 24;
      await Promise.all(
        Array.from({ length: writers }, (_, w) =>
          // a store per writer: separate Lambda containers know nothing of each other
          new AggregateStore(app.db, app.config.tableName).recordBatch(
            batch(namespace, samplesFor(1, [50 + w, 50 - w]), idempotent ? `w${w}` : undefined),
          ),
        ),
      );
      const store = new AggregateStore(app.db, app.config.tableName);
      const [bucket] = await store.readBuckets(namespace, 'svc0', ['cpu_ratio'], bucketStart, bucketStart, 1);
      expect(bucket).toEqual({ metric: 'cpu_ratio', start: bucketStart, count: 2 * writers, sum: 100 * writers, min: 50 - (writers - 1), max: 50 + writers - 1 });
    },
  );
});
