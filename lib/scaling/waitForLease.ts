import { LeaseHeldError } from '../store/lease';

/**
 * Takes a lease, waiting with jittered backoff while another scaling holds
 * it (so callers waiting on the same thing do not retry in step) until
 * `until` (see scalingTimes). Undefined when it stays held: at once with
 * `wait: false`, else once the wait runs out.
 */
export async function waitForLease<T>(acquire: () => Promise<T>, options: { wait: boolean; now: () => number; until: number }): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await acquire();
    } catch (error) {
      if (!(error instanceof LeaseHeldError)) throw error;
      const left = options.until - options.now();
      if (!options.wait || left <= 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, Math.min(500, 20 * 2 ** attempt) * (0.5 + Math.random()))));
    }
  }
}
