import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../lib/store/keys';
import { giveBackLease, LeaseHeldError, takeLease } from '../../lib/store/lease';
import { tide } from '../../lib/app';
import { freshNamespace } from '../support/client';

const now = Date.UTC(2030, 0, 1);
const table = () => tide().config.tableName;
const db = () => tide().db;
const freshKey = () => keys.serviceState(freshNamespace(), 'web');
const read = async (key: { pk: string; sk: string }) => (await db().send(new GetCommand({ TableName: table(), Key: key, ConsistentRead: true }))).Item;

describe('lease', () => {
  describe('Method: takeLease', () => {
    it('takes a free lease and returns the item as it now stands', async () => {
      const key = freshKey();
      expect(await takeLease(db(), table(), key, 'a', now, now + 30_000)).toMatchObject({ leaseOwner: 'a', leaseUntil: now + 30_000 });
    });

    it('refuses another owner while the lease runs, saying until when it is held', async () => {
      const key = freshKey();
      await takeLease(db(), table(), key, 'a', now, now + 30_000);
      const refused = await takeLease(db(), table(), key, 'b', now + 1000, now + 31_000).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LeaseHeldError);
      expect((refused as LeaseHeldError).until).toBe(now + 30_000);
      expect(await read(key)).toMatchObject({ leaseOwner: 'a' });
    });

    it('lets the same owner take it again, as a retried write does', async () => {
      const key = freshKey();
      await takeLease(db(), table(), key, 'a', now, now + 30_000);
      expect(await takeLease(db(), table(), key, 'a', now + 1000, now + 31_000)).toMatchObject({ leaseOwner: 'a', leaseUntil: now + 31_000 });
    });

    it('lets another owner take it over once it has run out', async () => {
      const key = freshKey();
      await takeLease(db(), table(), key, 'a', now, now + 30_000);
      expect(await takeLease(db(), table(), key, 'b', now + 30_001, now + 60_000)).toMatchObject({ leaseOwner: 'b' });
    });
  });

  describe('Method: giveBackLease', () => {
    it('writes the attributes and frees the lease for the next owner', async () => {
      const key = freshKey();
      await takeLease(db(), table(), key, 'a', now, now + 30_000);
      expect(await giveBackLease(db(), table(), key, 'a', { replicas: 3 })).toBe(true);
      const item = await read(key);
      expect(item).toMatchObject({ replicas: 3 });
      expect(item).not.toHaveProperty('leaseOwner');
      expect(await takeLease(db(), table(), key, 'b', now + 1000, now + 31_000)).toMatchObject({ leaseOwner: 'b', replicas: 3 });
    });

    it('writes nothing, not even the item put with it, for a holder whose lease was taken over', async () => {
      const key = freshKey();
      const event = keys.event('fenced', 'web', new Date(now).toISOString(), freshNamespace());
      await takeLease(db(), table(), key, 'a', now, now + 30_000);
      await takeLease(db(), table(), key, 'b', now + 30_001, now + 60_000);
      expect(await giveBackLease(db(), table(), key, 'a', { replicas: 9 }, { ...event, reason: 'late' })).toBe(false);
      expect(await read(key)).toMatchObject({ leaseOwner: 'b' });
      expect(await read(key)).not.toHaveProperty('replicas');
      expect(await read(event)).toBeUndefined();
    });
  });
});
