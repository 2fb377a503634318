import { formatDuration } from '../duration';
import type { Tide } from '../app';
import { RancherError, retryAfter } from './errors';

/**
 * Counts a trigger of this key; a 429 with Retry-After once the window's count is spent
 * (TIDE_WEBHOOK_RATE_LIMIT, 60 a minute unless set), against floods from an alert loop or a leaked URL.
 */
export async function holdRateLimit(app: Tide, keyId: string): Promise<void> {
  const { limit, windowMs } = app.config.webhookRateLimit;
  const decision = await app.rateLimits.hit(`webhook#${keyId}`, app.now(), limit, windowMs);
  if (!decision.allowed) {
    throw new RancherError(429, `Too many triggers for this webhook: at most ${limit} per ${formatDuration(windowMs)}`, retryAfter(decision.retryAfterMs));
  }
}
