import { describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../lib/store/idempotency';
import { tide } from '../../lib/app';
import { freshNamespace } from '../support/client';

const now = Date.UTC(2030, 0, 1);
const lease = 30_000;
const keep = 86_400;
const store = () => new IdempotencyStore(tide().db, tide().config.tableName);
const response = { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"replicas":3}' };

describe('IdempotencyStore', () => {
  describe('Method: claim', () => {
    it('gives the first request the go-ahead and tells a second one the first is still at work', async () => {
      const scope = freshNamespace();
      expect(await store().claim(scope, 'k1', 'a', now, lease)).toEqual({ state: 'claimed' });
      expect(await store().claim(scope, 'k1', 'b', now + 1000, lease)).toEqual({ state: 'in-progress' });
    });

    it('hands a retry the first answer without letting it act', async () => {
      const scope = freshNamespace();
      await store().claim(scope, 'k1', 'a', now, lease);
      await store().answer(scope, 'k1', 'a', response, now + 1000, keep);
      expect(await store().claim(scope, 'k1', 'b', now + 2000, lease)).toEqual({ state: 'answered', response });
      // Long after the first request's lease, the answer still stands.
      expect(await store().claim(scope, 'k1', 'c', now + 10 * lease, lease)).toEqual({ state: 'answered', response });
    });

    it('lets a retry take over a claim whose request died without answering, once its lease has run out', async () => {
      const scope = freshNamespace();
      await store().claim(scope, 'k1', 'a', now, lease);
      expect(await store().claim(scope, 'k1', 'b', now + lease + 1, lease)).toEqual({ state: 'claimed' });
    });

    it('keeps keys of different scopes apart', async () => {
      const key = freshNamespace();
      expect(await store().claim('receiver-1', key, 'a', now, lease)).toEqual({ state: 'claimed' });
      expect(await store().claim('receiver-2', key, 'b', now, lease)).toEqual({ state: 'claimed' });
    });
  });

  describe('Method: answer', () => {
    it('stores nothing for a request whose claim was taken over', async () => {
      const scope = freshNamespace();
      await store().claim(scope, 'k1', 'a', now, lease);
      await store().claim(scope, 'k1', 'b', now + lease + 1, lease);
      await store().answer(scope, 'k1', 'a', response, now + lease + 2, keep);
      expect(await store().claim(scope, 'k1', 'c', now + lease + 3, lease)).toEqual({ state: 'in-progress' });
    });
  });

  describe('Method: release', () => {
    it('gives the key up so that a retry acts', async () => {
      const scope = freshNamespace();
      await store().claim(scope, 'k1', 'a', now, lease);
      await store().release(scope, 'k1', 'a');
      expect(await store().claim(scope, 'k1', 'b', now + 1000, lease)).toEqual({ state: 'claimed' });
    });

    it('leaves an answered key and another owner\'s claim alone', async () => {
      const scope = freshNamespace();
      await store().claim(scope, 'k1', 'a', now, lease);
      await store().answer(scope, 'k1', 'a', response, now + 1000, keep);
      await store().release(scope, 'k1', 'a');
      expect(await store().claim(scope, 'k1', 'b', now + 2000, lease)).toEqual({ state: 'answered', response });

      await store().claim(scope, 'k2', 'a', now, lease);
      await store().release(scope, 'k2', 'someone else');
      expect(await store().claim(scope, 'k2', 'b', now + 1000, lease)).toEqual({ state: 'in-progress' });
    });
  });
});
