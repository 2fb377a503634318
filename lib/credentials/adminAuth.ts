import type middy from '@middy/core';
import { authenticateAdmin } from './adminToken';
import { bearerToken } from './bearer';
import { header, type HttpEvent, type HttpResult } from '../http/types';

/** Admin routes: the bearer token must be the admin token, the secret `reference` names. Runs before the body is read. */
export function adminAuth(reference: () => string): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      await authenticateAdmin(bearerToken(header(request.event, 'authorization')), reference());
    },
  };
}
