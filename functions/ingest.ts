import middy from '@middy/core';
import { tide } from '../lib/app';
import { agentAuth, type AgentEvent } from '../lib/credentials/agentAuth';
import { jsonBody } from '../lib/http/body';
import { errorResponses } from '../lib/http/errors';
import { functionUrlRoute } from '../lib/http/functionUrl';
import { ingestMetrics } from '../lib/ingest/ingest';

export const handler = middy((event: AgentEvent) => ingestMetrics(event, tide()))
  .use(errorResponses())
  .use(functionUrlRoute('POST', '/v1/metrics'))
  .use(agentAuth(() => tide().agentKeys))
  .use(jsonBody({ acceptOctetStream: true }));
