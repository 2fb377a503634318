import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { tide } from '../lib/app';
import { authenticateAdmin } from '../lib/credentials/adminToken';
import { bearerToken } from '../lib/credentials/bearer';
import { rancherErrors } from '../lib/http/rancherErrors';
import { router, type RouteHandler } from '../lib/http/router';
import { header, type HttpEvent } from '../lib/http/types';

// Each route's module (the receivers' schemas, the scaling engine, the providers) is loaded by its first request, not by the cold start.
const receivers = () => import('../lib/webhooks/receivers');

/** The admin token replaces Rancher's own login on the management routes; the trigger's key is its only credential. */
const asAdmin =
  (handle: RouteHandler): RouteHandler =>
  async (event, deadline) => {
    await authenticateAdmin(bearerToken(header(event, 'authorization')), tide().config.adminTokenSecret);
    return handle(event, deadline);
  };

const routes = router({
  'POST /v1-webhooks/receivers': asAdmin(async (event) => (await receivers()).createReceiver(event, tide())),
  'GET /v1-webhooks/receivers': asAdmin(async (event) => (await receivers()).listReceivers(event, tide())),
  'GET /v1-webhooks/receivers/{id}': asAdmin(async (event) => (await receivers()).getReceiver(event, tide())),
  'DELETE /v1-webhooks/receivers/{id}': asAdmin(async (event) => (await receivers()).deleteReceiver(event, tide())),
  'POST /v1-webhooks/endpoint': async (event, deadline) => (await import('../lib/webhooks/trigger')).triggerReceiver(event, tide(), deadline),
});

/** Rancher 1.6's webhook service: receivers and their trigger endpoint, with Rancher's error bodies. */
// The deadline is Lambda's timeout on Tide's clock: scalings fit their platform calls inside it.
export const handler = middy((event: HttpEvent, context: Context) => routes(event, tide().now() + context.getRemainingTimeInMillis())).use(rancherErrors());
