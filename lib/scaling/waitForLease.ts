import { ConflictError } from '../errors';
import { LeaseHeldError } from '../store/lease';

/**
 * Takes a lease, waiting with jittered backoff while another scaling holds
 * it (so callers waiting on the same service do not retry in step); past
 * `until` (see scalingTimes), 409. With `wait: false` a held lease answers
 * undefined at once.
 */
export async function waitForLease<T>(
  acquire: () => Promise<T>,
  options: { wait: boolean; now: () => number; until: number; what: string },
): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await acquire();
    } catch (error) {
      if (!(error instanceof LeaseHeldError)) throw error;
      if (!options.wait) return undefined;
      const left = options.until - options.now();
      if (left <= 0) throw new ConflictError(`${options.what} is being scaled by another request; try again`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, Math.min(500, 20 * 2 ** attempt) * (0.5 + Math.random()))));
    }
  }
}
