import { TideError } from '../errors';

/** SPEC.md's codes, kept on the error so logs read the same on every route. */
const CODES: Record<number, string> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  429: 'rate_limited',
  502: 'upstream_failed',
};

/** An answer on the `/v1-webhooks` routes, whose message is what Rancher's webhook service says in the same case. */
export class RancherError extends TideError {
  override readonly name = 'RancherError';
  constructor(statusCode: number, message: string, headers?: Record<string, string>) {
    super(statusCode, CODES[statusCode] ?? 'internal', message, undefined, headers);
  }
}

export const REVOKED = 'Requested webhook has been revoked/does not exist for this account';

/** A wait as Retry-After counts it: whole seconds, at least one. */
export function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

export function retryAfter(ms: number): Record<string, string> {
  return { 'Retry-After': String(wholeSeconds(ms)) };
}
