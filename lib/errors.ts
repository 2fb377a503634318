/** One problem in a request: where it is and which rule it breaks. */
export interface ProblemDetail {
  path: string;
  message: string;
}

/**
 * The base of every error Tide answers with on purpose. Anything else that
 * reaches the error middleware is a bug and becomes a bare 500.
 */
export class TideError extends Error {
  override readonly name: string = 'TideError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: ProblemDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export class ValidationError extends TideError {
  override readonly name = 'ValidationError';
  constructor(details: ProblemDetail[], what = 'request body') {
    const count = details.length;
    super(400, 'validation_failed', `${count} problem${count === 1 ? '' : 's'} in ${what}`, details);
  }
}

export class UnauthorizedError extends TideError {
  override readonly name = 'UnauthorizedError';
  constructor(message = 'missing or unknown credential') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends TideError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends TideError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends TideError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class PayloadTooLargeError extends TideError {
  override readonly name = 'PayloadTooLargeError';
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

export class UnsupportedMediaTypeError extends TideError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

export class RateLimitedError extends TideError {
  override readonly name = 'RateLimitedError';
  constructor(message: string, retryAfterSeconds: number) {
    super(429, 'rate_limited', message, undefined, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

export class UpstreamError extends TideError {
  override readonly name = 'UpstreamError';
  constructor(message: string) {
    super(502, 'upstream_failed', message);
  }
}
