import { ConflictError } from '../errors';
import { LeaseHeldError } from '../store/lease';

/** How long a manual or webhook scaling waits for another one on the same thing to finish. */
const WAIT_FOR_LEASE_MS = 10_000;

/**
 * Takes a lease, waiting with jittered backoff while another scaling holds
 * it (so callers waiting on the same service do not retry in step); past the
 * wait, 409. With `wait: false` a held lease answers undefined at once.
 */
export async function waitForLease<T>(
  acquire: () => Promise<T>,
  options: { wait: boolean; now: () => number; what: string },
): Promise<T | undefined> {
  const deadline = options.now() + WAIT_FOR_LEASE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await acquire();
    } catch (error) {
      if (!(error instanceof LeaseHeldError)) throw error;
      if (!options.wait) return undefined;
      if (options.now() >= deadline) throw new ConflictError(`${options.what} is being scaled by another request; try again`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, 20 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }
}
