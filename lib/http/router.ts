import { NotFoundError } from '../errors';
import type { HttpEvent, HttpResult } from './types';

export type RouteHandler = (event: HttpEvent) => Promise<HttpResult>;

/** Dispatches on the HTTP API route key (`GET /v1/keys`), as serverless.yml declares the routes. */
export function router(routes: Record<string, RouteHandler>): (event: HttpEvent) => Promise<HttpResult> {
  return async (event) => {
    const handler = routes[event.routeKey];
    if (!handler) throw new NotFoundError(`no route ${event.routeKey}`);
    return handler(event);
  };
}
