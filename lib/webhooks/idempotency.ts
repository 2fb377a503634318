import type { Tide } from '../app';
import { randomToken } from '../credentials/random';
import { TideError } from '../errors';
import { rancherErrorResponse } from '../http/rancherErrors';
import type { HttpResult } from '../http/types';
import { RancherError } from './errors';

const KEY = /^[\x21-\x7e]{1,255}$/;
/** Longer than a trigger can run (a waited-for lease, then the platform), so a live request is never taken over. */
const LEASE_MS = 60_000;
const KEEP_SECONDS = 24 * 3600;

/**
 * Answers that retrying cannot change are kept for retries: successes and
 * refusals. "Try again" answers (429 cooldown or flood limit, 409 busy, 5xx
 * platform or internal failures) are not, so a retry after them acts.
 */
function kept(statusCode: number): boolean {
  return statusCode < 500 && statusCode !== 429 && statusCode !== 409;
}

/**
 * Runs a trigger once per Idempotency-Key (scoped to its receiver): a retry
 * gets the first answer back, marked `Idempotent-Replayed: true`, and acts
 * no more; a retry while the first is still running gets a 409.
 */
export async function once(app: Tide, scope: string, key: string | undefined, act: () => Promise<HttpResult>): Promise<HttpResult> {
  if (key === undefined) return act();
  if (!KEY.test(key)) throw new RancherError(400, 'Idempotency-Key must be 1-255 visible ASCII characters');
  const owner = randomToken(12);
  const claim = await app.idempotency.claim(scope, key, owner, app.now(), LEASE_MS);
  if (claim.state === 'answered') return { ...claim.response, headers: { ...claim.response.headers, 'Idempotent-Replayed': 'true' } };
  if (claim.state === 'in-progress') throw new RancherError(409, 'A request with this Idempotency-Key is still in progress; retry it later');
  let response: HttpResult;
  try {
    response = await act();
  } catch (error) {
    if (!(error instanceof TideError && kept(error.statusCode))) {
      await app.idempotency.release(scope, key, owner);
      throw error;
    }
    response = rancherErrorResponse(error);
  }
  if (kept(response.statusCode ?? 200)) await app.idempotency.answer(scope, key, owner, response, app.now(), KEEP_SECONDS);
  else await app.idempotency.release(scope, key, owner);
  return response;
}
