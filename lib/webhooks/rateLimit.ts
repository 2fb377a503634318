import { formatDuration, parseDuration } from '../duration';
import type { Tide } from '../app';
import { RancherError, retryAfter } from './errors';

const DEFAULT = '60/1m';

/**
 * How many triggers one key may make per window, against floods from an
 * alert loop or a leaked URL: `TIDE_WEBHOOK_RATE_LIMIT` as "count/duration",
 * 60 a minute unless set.
 */
function webhookRateLimit(env: NodeJS.ProcessEnv = process.env): { limit: number; windowMs: number } {
  const text = env.TIDE_WEBHOOK_RATE_LIMIT || DEFAULT;
  const match = /^(\d+)\/(.+)$/.exec(text);
  const limit = Number(match?.[1]);
  const windowMs = match?.[2] ? parseDuration(match[2]) : 0;
  if (!Number.isInteger(limit) || limit < 1 || windowMs < 1000) {
    throw new Error(`TIDE_WEBHOOK_RATE_LIMIT must be "count/duration" such as "${DEFAULT}"`);
  }
  return { limit, windowMs };
}

/** Counts a trigger of this key; a 429 with Retry-After once the window's count is spent. */
export async function holdRateLimit(app: Tide, keyId: string): Promise<void> {
  const { limit, windowMs } = webhookRateLimit();
  const decision = await app.rateLimits.hit(`webhook#${keyId}`, app.now(), limit, windowMs);
  if (!decision.allowed) {
    throw new RancherError(429, `Too many triggers for this webhook: at most ${limit} per ${formatDuration(windowMs)}`, retryAfter(decision.retryAfterMs));
  }
}
