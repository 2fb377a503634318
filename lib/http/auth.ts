import type middy from '@middy/core';
import { authenticateAdmin, bearerToken } from '../credentials/adminToken';
import { authenticateAgent } from '../credentials/agentKeys';
import type { AgentKeyRecord, AgentKeyStore } from '../store/agentKeys';
import { header, type HttpEvent, type HttpResult } from './types';

export type AgentEvent = HttpEvent & { agent?: AgentKeyRecord };

/** Admin routes: the bearer token must be the admin token. Runs before the body is read. */
export function adminAuth(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      await authenticateAdmin(bearerToken(header(request.event, 'authorization')));
    },
  };
}

/** Ingest: the bearer token must be a live agent key; its record rides on the event. */
export function agentAuth(store: () => AgentKeyStore): middy.MiddlewareObj<AgentEvent, HttpResult> {
  return {
    before: async (request) => {
      request.event.agent = await authenticateAgent(store(), bearerToken(header(request.event, 'authorization')));
    },
  };
}
