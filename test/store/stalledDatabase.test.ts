/**
 * A DynamoDB that accepts connections and never answers: every function
 * answers a 500 in its routes' error shape before Lambda's timeout stops it
 * (the local Lambda stops a function at its serverless.yml timeout, as
 * Lambda does), instead of hanging until then and answering nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { httpRoutes, startHttpApi, type HttpApiServer } from '../../scripts/local/httpApi';
import { bundleFunctions, startLambda, type LocalLambda } from '../../scripts/local/lambda';
import { declaredConfig } from '../../scripts/local/serverlessConfig';
import { ADMIN_TOKEN, call } from '../support/client';

const root = join(import.meta.dirname, '..', '..');

/** Accepts every connection on 127.0.0.1 and never writes a byte. */
async function stalledServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let dir: string;
let database: Awaited<ReturnType<typeof stalledServer>>;
let lambda: LocalLambda;
let api: HttpApiServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tide-stalled-'));
  database = await stalledServer();
  const config = declaredConfig(root);
  const bundles = await bundleFunctions(root, config, join(dir, 'build'));
  lambda = startLambda(config.functions, bundles, (fn) => ({
    PATH: process.env.PATH ?? '',
    TIDE_DYNAMODB_ENDPOINT: database.url,
    TIDE_TABLE: 'tide-test',
    TIDE_LOCAL: 'true',
    TIDE_ADMIN_TOKEN: ADMIN_TOKEN,
    TIDE_ADMIN_TOKEN_SECRET: 'env:TIDE_ADMIN_TOKEN',
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: fn.deployedName,
    TIDE_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  }));
  api = await startHttpApi({ routes: httpRoutes(config.functions), invoke: (name, event) => lambda.invoke(name, event) });
}, 60_000);

afterAll(async () => {
  await api?.close();
  await lambda?.stop();
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('fails each function’s request with a 500 in its error shape before Lambda’s timeout', async () => {
  const [admin, webhook, ingest] = await Promise.all([
    call(api.url, 'GET', '/v1/services'),
    call(api.url, 'GET', '/v1-webhooks/receivers?projectId=default'),
    call(api.url, 'POST', '/v1/metrics', { token: `tide_ak_${'a'.repeat(16)}_${'b'.repeat(40)}`, body: { node: 'worker1', samples: [{ ts: new Date().toISOString(), service: 'web', container: 'c1', cpu_ratio: 1 }] } }),
  ]);
  // A function stopped at its timeout gets the HTTP API's own {"message": "Internal Server Error"}, not these bodies.
  expect(admin).toMatchObject({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
  expect(webhook).toMatchObject({ status: 500, body: { type: 'error', statusCode: 500, status: 'Internal Server Error', message: 'internal error' } });
  expect(ingest).toMatchObject({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
}, 30_000);
