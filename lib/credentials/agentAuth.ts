import type middy from '@middy/core';
import { bearerToken } from './bearer';
import { authenticateAgent } from './agentKeys';
import type { AgentKeyRecord, AgentKeyStore } from '../store/agentKeys';
import { header, type HttpEvent, type HttpResult } from '../http/types';

export type AgentEvent = HttpEvent & { agent?: AgentKeyRecord };

/** Ingest: the bearer token must be a live agent key; its record rides on the event. */
export function agentAuth(store: () => AgentKeyStore): middy.MiddlewareObj<AgentEvent, HttpResult> {
  return {
    before: async (request) => {
      request.event.agent = await authenticateAgent(store(), bearerToken(header(request.event, 'authorization')));
    },
  };
}
