import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { tide } from '../lib/app';
import { createAgentKey, listAgentKeys, revokeAgentKey } from '../lib/credentials/routes';
import { adminAuth } from '../lib/credentials/adminAuth';
import { jsonBody } from '../lib/http/body';
import { deleteHostPool, getHostPool, listHostPoolEvents, listHostPools, putHostPool } from '../lib/hostpools/routes';
import { errorResponses } from '../lib/http/errors';
import { router } from '../lib/http/router';
import type { HttpEvent } from '../lib/http/types';
import { readServiceMetrics } from '../lib/metrics/routes';
import { readServiceLoad } from '../lib/services/load';
import { deleteService, evaluateNow, getService, listEvents, listServices, putService, scaleManually } from '../lib/services/routes';

const routes = router({
  'POST /v1/keys': (event) => createAgentKey(event, tide()),
  'GET /v1/keys': (event) => listAgentKeys(event, tide()),
  'DELETE /v1/keys/{id}': (event) => revokeAgentKey(event, tide()),
  'GET /v1/services': (event) => listServices(event, tide()),
  'PUT /v1/services/{service}': (event) => putService(event, tide()),
  'GET /v1/services/{service}': (event) => getService(event, tide()),
  'DELETE /v1/services/{service}': (event) => deleteService(event, tide()),
  'GET /v1/services/{service}/events': (event) => listEvents(event, tide()),
  'GET /v1/services/{service}/metrics': (event) => readServiceMetrics(event, tide()),
  'GET /v1/services/{service}/load': (event) => readServiceLoad(event, tide()),
  'POST /v1/services/{service}/scale': (event, deadline) => scaleManually(event, tide(), deadline),
  'POST /v1/evaluate': (event, deadline) => evaluateNow(event, tide(), deadline),
  'GET /v1/hostpools': (event) => listHostPools(event, tide()),
  'PUT /v1/hostpools/{pool}': (event) => putHostPool(event, tide()),
  'GET /v1/hostpools/{pool}': (event) => getHostPool(event, tide()),
  'DELETE /v1/hostpools/{pool}': (event) => deleteHostPool(event, tide()),
  'GET /v1/hostpools/{pool}/events': (event) => listHostPoolEvents(event, tide()),
});

// The deadline is Lambda's timeout on Tide's clock: scalings fit their platform calls inside it.
export const handler = middy((event: HttpEvent, context: Context) => routes(event, tide().now() + context.getRemainingTimeInMillis()))
  .use(errorResponses())
  .use(adminAuth(() => tide().config.adminTokenSecret))
  .use(jsonBody());
