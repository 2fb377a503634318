import { STATUS_CODES } from 'node:http';
import type middy from '@middy/core';
import { TideError } from '../errors';
import { logger } from '../observability';
import { json, type HttpEvent, type HttpResult } from './types';

/**
 * Rancher 1.6's error body, which scripts written against its webhook service
 * parse: `{"type": "error", "statusCode": 400, "status": "Bad Request", "message": "…"}`.
 */
export function rancherErrorResponse(error: TideError): HttpResult {
  const problems = error.details?.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
  const message = problems ? `${error.message}: ${problems}` : error.message;
  return json(error.statusCode, { type: 'error', statusCode: error.statusCode, status: STATUS_CODES[error.statusCode] ?? 'Error', message }, error.headers);
}

/** The `/v1-webhooks` routes' error middleware: TideErrors in Rancher's shape, anything else a bare 500. */
export function rancherErrors(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof TideError) {
        request.response = rancherErrorResponse(error);
        return;
      }
      logger.error('unhandled error', { errorName: error?.name, errorMessage: error?.message });
      request.response = json(500, { type: 'error', statusCode: 500, status: 'Internal Server Error', message: 'internal error' });
    },
  };
}
