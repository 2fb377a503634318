import middy from '@middy/core';
import { tide } from '../lib/app';
import { createAgentKey, listAgentKeys, revokeAgentKey } from '../lib/credentials/routes';
import { adminAuth } from '../lib/http/adminAuth';
import { jsonBody } from '../lib/http/body';
import { errorResponses } from '../lib/http/errors';
import { router } from '../lib/http/router';
import type { HttpEvent } from '../lib/http/types';
import { readServiceMetrics } from '../lib/metrics/query';

const routes = router({
  'POST /v1/keys': (event) => createAgentKey(event, tide()),
  'GET /v1/keys': (event) => listAgentKeys(event, tide()),
  'DELETE /v1/keys/{id}': (event) => revokeAgentKey(event, tide()),
  'GET /v1/services/{service}/metrics': (event) => readServiceMetrics(event, tide()),
});

export const handler = middy((event: HttpEvent) => routes(event))
  .use(errorResponses())
  .use(adminAuth())
  .use(jsonBody());
