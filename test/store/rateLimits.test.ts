import { describe, expect, it } from 'vitest';
import { RateLimitStore } from '../../lib/store/rateLimits';
import { tide } from '../../lib/app';
import { freshNamespace } from '../support/client';

const now = Date.UTC(2030, 0, 1);
const windowMs = 60_000;
const store = () => new RateLimitStore(tide().db, tide().config.tableName);

describe('RateLimitStore', () => {
  describe('Method: hit', () => {
    it('allows the limit within a window and refuses the next, saying when the window closes', async () => {
      const scope = freshNamespace();
      for (let i = 0; i < 3; i++) expect(await store().hit(scope, now + i * 1000, 3, windowMs)).toEqual({ allowed: true });
      expect(await store().hit(scope, now + 10_000, 3, windowMs)).toEqual({ allowed: false, retryAfterMs: 50_000 });
    });

    it('opens a new window with the first request after the last one closed', async () => {
      const scope = freshNamespace();
      await store().hit(scope, now, 1, windowMs);
      expect(await store().hit(scope, now + windowMs - 1, 1, windowMs)).toEqual({ allowed: false, retryAfterMs: 1 });
      expect(await store().hit(scope, now + windowMs + 5000, 1, windowMs)).toEqual({ allowed: true });
      // The new window started with that request, so its edge follows the traffic.
      expect(await store().hit(scope, now + 2 * windowMs, 1, windowMs)).toEqual({ allowed: false, retryAfterMs: 5000 });
    });

    it('counts each scope on its own', async () => {
      const scope = freshNamespace();
      expect(await store().hit(`${scope}-a`, now, 1, windowMs)).toEqual({ allowed: true });
      expect(await store().hit(`${scope}-b`, now, 1, windowMs)).toEqual({ allowed: true });
      expect(await store().hit(`${scope}-a`, now, 1, windowMs)).toEqual({ allowed: false, retryAfterMs: windowMs });
    });

    it('of requests racing to open a window, lets exactly the limit through', async () => {
      const scope = freshNamespace();
      const answers = await Promise.all(Array.from({ length: 8 }, () => store().hit(scope, now, 5, windowMs)));
      expect(answers.filter((a) => a.allowed)).toHaveLength(5);
    });
  });
});
