import * as z from 'zod';
import type { Tide } from '../app';
import { NotFoundError } from '../errors';
import { parseQuery, wholeNumberParam } from '../http/query';
import { json, noContent, type HttpEvent, type HttpResult } from '../http/types';
import { namespaceName, resourceName } from '../names';
import type { StoredHostPool } from '../store/hostPools';
import { parseOrThrow } from '../validation';
import { parseHostPoolDocument } from './schema';

const namespaceQuery = z.object({ namespace: namespaceName.default('default') });
// A pool keeps its last 50 events.
const eventsQuery = namespaceQuery.extend({ limit: wholeNumberParam(1, 50).default(50) });

const poolPath = (event: HttpEvent): string => parseOrThrow(resourceName, event.pathParameters?.pool, 'path');

function where(event: HttpEvent): { namespace: string; pool: string } {
  const { namespace } = parseQuery(namespaceQuery, event);
  return { namespace, pool: poolPath(event) };
}

async function existing(app: Tide, namespace: string, pool: string): Promise<StoredHostPool> {
  const found = await app.hostPools.get(namespace, pool);
  if (!found) throw new NotFoundError(`no host pool ${pool} in namespace ${namespace}`);
  return found;
}

/** `PUT /v1/hostpools/{pool}?namespace=default`: the labels receivers select it by, its bounds and its platform. */
export async function putHostPool(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { namespace, pool } = where(event);
  const document = parseHostPoolDocument(event.json, pool, namespace);
  const { created, stored } = await app.hostPools.put({ namespace, pool, ...document }, app.now());
  return json(created ? 201 : 200, stored);
}

export async function listHostPools(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { namespace } = parseQuery(namespaceQuery, event);
  return json(200, { items: await app.hostPools.list(namespace) });
}

export async function getHostPool(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { namespace, pool } = where(event);
  return json(200, await existing(app, namespace, pool));
}

export async function deleteHostPool(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { namespace, pool } = where(event);
  if (!(await app.hostPools.delete(namespace, pool))) throw new NotFoundError(`no host pool ${pool} in namespace ${namespace}`);
  return noContent();
}

/** `GET /v1/hostpools/{pool}/events`: the pool's recent scalings, newest first, as a service's history reads. */
export async function listHostPoolEvents(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const pool = poolPath(event);
  const query = parseQuery(eventsQuery, event);
  await existing(app, query.namespace, pool);
  return json(200, { items: await app.hostPoolStates.events(query.namespace, pool, query.limit) });
}
