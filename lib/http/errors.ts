import type middy from '@middy/core';
import { TideError } from '../errors';
import { logger } from '../observability';
import { json, type HttpEvent, type HttpResult } from './types';

/**
 * Renders TideErrors as SPEC.md's error body; anything else is logged by name
 * and message only and becomes a 500 that says nothing about the inside.
 */
export function errorResponses(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof TideError) {
        request.response = json(
          error.statusCode,
          { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
          error.headers,
        );
        return;
      }
      logger.error('unhandled error', { errorName: error?.name, errorMessage: error?.message });
      request.response = json(500, { error: { code: 'internal', message: 'internal error' } });
    },
  };
}
