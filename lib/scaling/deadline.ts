import { ProviderError } from '../providers/provider';

// How one scaling spends the time its invocation has. The deadline is the
// moment the function must have answered (Lambda's timeout, from the context's
// remaining time), on Tide's clock (`app.now`). Every platform call gives up
// RECORD_MS before it, whatever the target's own timeout, so the outcome is
// always recorded; the lease lasts until just past it, so nobody else can act
// while the holder may still be running. See docs/RELIABILITY.md.

/** Kept after the platform's last moment to record the outcome and answer: one DynamoDB write, with room for an attempt that times out (2 s) and its retry. */
export const RECORD_MS = 3_000;
/** The lease outlives its holder's deadline by this much, for a host whose clock runs a little ahead of the holder's. */
const LEASE_MARGIN_MS = 2_000;
/** The longest a manual or webhook scaling waits for another one on the same thing to finish. */
const WAIT_FOR_LEASE_MS = 10_000;
/** Waiting for a busy lease stops while this much would still be left for the platform: the `http` target's default timeout. */
const PLATFORM_MIN_MS = 5_000;

export interface ScalingTimes {
  /** The lease's expiry: by then its holder has recorded and given it back, or been stopped by Lambda. */
  leaseUntil: number;
  /** When platform calls stop waiting for an answer. */
  platformUntil: number;
  /** When a caller waiting for a busy lease gives up (409). */
  waitUntil: number;
}

export function scalingTimes(deadline: number, now: number): ScalingTimes {
  const platformUntil = deadline - RECORD_MS;
  return { leaseUntil: deadline + LEASE_MARGIN_MS, platformUntil, waitUntil: Math.min(now + WAIT_FOR_LEASE_MS, platformUntil - PLATFORM_MIN_MS) };
}

/**
 * A platform call that gives up at `until`: a ProviderError, which the caller
 * records like any failed call. The request may still reach the platform
 * after that; its holder's lease keeps other scalings off until the deadline.
 */
export async function beforeCutoff<T>(
  call: () => Promise<T>,
  cutoff: { until: number; now: () => number; provider: string; operation: 'read' | 'scale' },
): Promise<T> {
  const left = cutoff.until - cutoff.now();
  const late = () =>
    new ProviderError(cutoff.provider, cutoff.operation, left > 0 ? `no answer within the ${seconds(left)} this request had left for the platform` : 'this request had no time left for the platform');
  if (left <= 0) throw late();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([call(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), left)))]);
  } finally {
    clearTimeout(timer);
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
