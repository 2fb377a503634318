import type { Tide } from '../app';
import { requireNamespace } from '../credentials/agentKeys';
import { UnauthorizedError, ValidationError } from '../errors';
import type { AgentEvent } from '../credentials/agentAuth';
import { json, type HttpResult } from '../http/types';
import { parseOrThrow } from '../validation';
import { recordMinutes, recordSamples } from './record';

/** `POST /v1/metrics`: validate the batch (samples, or an agent's minutes), store its aggregates once. */
export async function ingestMetrics(event: AgentEvent, app: Tide): Promise<HttpResult> {
  if (!event.agent) throw new UnauthorizedError();
  // The schemas, and zod, load with the first post rather than with the function, as admin's
  // routes do theirs; a samples batch's schema is built only if one comes (schema.ts).
  const [{ namespaceName }, { metricsBatchSchema, timestampProblems }] = await Promise.all([import('../names'), import('./schema')]);
  const namespace = parseOrThrow(namespaceName, event.queryStringParameters?.namespace ?? event.agent.namespace, 'query string');
  requireNamespace(event.agent, namespace);
  const batch = parseOrThrow(metricsBatchSchema, event.json);
  const problems = timestampProblems(batch, app.now());
  if (problems.length > 0) throw new ValidationError(problems);
  const result = 'minutes' in batch ? await recordMinutes(app, { namespace, ...batch }) : await recordSamples(app, { namespace, ...batch });
  switch (result.status) {
    case 'refused':
      throw new ValidationError(result.problems);
    case 'duplicate':
      return json(200, { accepted: 0, duplicate: true });
    case 'stored':
      return json(202, { accepted: result.accepted, duplicate: false });
  }
}
