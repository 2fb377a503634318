import { NotFoundError } from '../errors';
import type { HttpEvent, HttpResult } from './types';

/** A route's handler; `deadline` is when the invocation must have answered (epoch ms on Tide's clock), for routes that scale. */
export type RouteHandler = (event: HttpEvent, deadline: number) => Promise<HttpResult>;

/** Dispatches on the HTTP API route key (`GET /v1/keys`), as serverless.yml declares the routes. */
export function router(routes: Record<string, RouteHandler>): RouteHandler {
  return async (event, deadline) => {
    const handler = routes[event.routeKey];
    if (!handler) throw new NotFoundError(`no route ${event.routeKey}`);
    return handler(event, deadline);
  };
}
