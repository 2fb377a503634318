import * as z from 'zod';
import type { Tide } from '../app';
import { NotFoundError } from '../errors';
import { noQuery, parseQuery } from '../http/query';
import { json, noContent, type HttpEvent, type HttpResult } from '../http/types';
import { namespaceName } from '../names';
import { parseOrThrow } from '../validation';
import { describeAgentKey, issueAgentKey } from './agentKeys';

const newAgentKey = z.object(
  {
    namespace: namespaceName,
    name: z.string({ error: 'must be a string' }).min(1, { error: 'must be 1-128 characters' }).max(128, { error: 'must be 1-128 characters' }),
  },
  { error: 'must be a JSON object' },
);

// These routes take no query parameters: a key's namespace is in the body, and the list shows every namespace's keys.

export async function createAgentKey(event: HttpEvent, app: Tide): Promise<HttpResult> {
  parseQuery(noQuery, event);
  const request = parseOrThrow(newAgentKey, event.json);
  const { record, key } = await issueAgentKey(app.agentKeys, request, app.now());
  return json(201, { ...describeAgentKey(record), key });
}

export async function listAgentKeys(event: HttpEvent, app: Tide): Promise<HttpResult> {
  parseQuery(noQuery, event);
  const records = await app.agentKeys.list();
  return json(200, { items: records.map(describeAgentKey) });
}

export async function revokeAgentKey(event: HttpEvent, app: Tide): Promise<HttpResult> {
  parseQuery(noQuery, event);
  const id = event.pathParameters?.id ?? '';
  if (!(await app.agentKeys.delete(id))) throw new NotFoundError(`no agent key ${id}`);
  return noContent();
}
