import type middy from '@middy/core';
import { NotFoundError } from '../errors';
import type { HttpEvent, HttpResult } from './types';

/**
 * A function URL hands its function every method and path (routeKey `$default`),
 * where the HTTP API only passes its declared routes: answer only `method path`,
 * and anything else with 404 before a credential is read. HTTP API events pass through.
 */
export function functionUrlRoute(method: string, path: string): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      const event = request.event;
      if (event.routeKey !== '$default') return;
      if (event.requestContext.http.method !== method || event.rawPath !== path) {
        throw new NotFoundError(`this URL answers ${method} ${path} only`);
      }
    },
  };
}
