import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { tide } from '../lib/app';
import { adminAuth } from '../lib/credentials/adminAuth';
import { jsonBody } from '../lib/http/body';
import { errorResponses } from '../lib/http/errors';
import { router } from '../lib/http/router';
import type { HttpEvent } from '../lib/http/types';

// Each route's module (its schemas, the scaling engine, the providers) is loaded by its first request, not by the cold start.
const keys = () => import('../lib/credentials/routes');
const services = () => import('../lib/services/routes');
const hostPools = () => import('../lib/hostpools/routes');

const routes = router({
  'POST /v1/keys': async (event) => (await keys()).createAgentKey(event, tide()),
  'GET /v1/keys': async (event) => (await keys()).listAgentKeys(event, tide()),
  'DELETE /v1/keys/{id}': async (event) => (await keys()).revokeAgentKey(event, tide()),
  'GET /v1/services': async (event) => (await services()).listServices(event, tide()),
  'PUT /v1/services/{service}': async (event) => (await services()).putService(event, tide()),
  'GET /v1/services/{service}': async (event) => (await services()).getService(event, tide()),
  'DELETE /v1/services/{service}': async (event) => (await services()).deleteService(event, tide()),
  'GET /v1/services/{service}/events': async (event) => (await services()).listEvents(event, tide()),
  'GET /v1/services/{service}/metrics': async (event) => (await import('../lib/metrics/routes')).readServiceMetrics(event, tide()),
  'GET /v1/services/{service}/load': async (event) => (await import('../lib/services/load')).readServiceLoad(event, tide()),
  'POST /v1/services/{service}/scale': async (event, deadline) => (await services()).scaleManually(event, tide(), deadline),
  'POST /v1/evaluate': async (event, deadline) => (await services()).evaluateNow(event, tide(), deadline),
  'GET /v1/hostpools': async (event) => (await hostPools()).listHostPools(event, tide()),
  'PUT /v1/hostpools/{pool}': async (event) => (await hostPools()).putHostPool(event, tide()),
  'GET /v1/hostpools/{pool}': async (event) => (await hostPools()).getHostPool(event, tide()),
  'DELETE /v1/hostpools/{pool}': async (event) => (await hostPools()).deleteHostPool(event, tide()),
  'GET /v1/hostpools/{pool}/events': async (event) => (await hostPools()).listHostPoolEvents(event, tide()),
});

// The deadline is Lambda's timeout on Tide's clock: scalings fit their platform calls inside it.
export const handler = middy((event: HttpEvent, context: Context) => routes(event, tide().now() + context.getRemainingTimeInMillis()))
  .use(errorResponses())
  .use(adminAuth(() => tide().config.adminTokenSecret))
  .use(jsonBody());
