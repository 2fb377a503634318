/**
 * The local HTTP API builds the events API Gateway's HTTP APIs (payload 2.0)
 * build, so what a handler sees locally is what it sees on AWS.
 */
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { deliveredAsText, httpRoutes, startHttpApi, type HttpApiServer } from '../../scripts/local/httpApi';
import type { LocalFunction } from '../../scripts/local/serverlessConfig';

const fn = (name: string, httpRoutes: string[]): LocalFunction => ({
  name,
  source: `functions/${name}.ts`,
  exportName: 'handler',
  deployedName: `tide-local-${name}`,
  timeoutSeconds: 10,
  memoryMb: 512,
  environment: {},
  httpRoutes,
  schedules: [],
});

let api: HttpApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** An API whose one function answers with the event it was given. */
async function echoApi(result?: (event: Record<string, unknown>) => unknown) {
  const seen: Array<Record<string, unknown>> = [];
  api = await startHttpApi({
    routes: httpRoutes([fn('admin', ['POST /v1/services/{service}/scale', 'GET /v1/services'])]),
    invoke: async (_name, event) => {
      seen.push(event as Record<string, unknown>);
      return result ? result(event as Record<string, unknown>) : { statusCode: 200, body: 'ok' };
    },
  });
  return { url: api.url, seen };
}

describe('which bodies arrive as text', () => {
  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['text/plain', true],
    ['text/csv', true],
    ['application/xml', true],
    ['application/javascript', true],
    ['application/octet-stream', false],
    ['application/x-www-form-urlencoded', false],
    ['application/vnd.api+json', false],
    [undefined, false],
  ])('%s → text: %s', (type, text) => {
    expect(deliveredAsText(type)).toBe(text);
  });
});

describe('the event a request becomes', () => {
  it('carries the route, path parameters, query, headers and a JSON body as text', async () => {
    const { url, seen } = await echoApi();
    await fetch(`${url}/v1/services/my%20web/scale?namespace=a&namespace=b&x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-many': 'one', cookie: 'a=1; b=2' },
      body: '{"replicas":4}',
    });
    const [event] = seen;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /v1/services/{service}/scale',
      rawPath: '/v1/services/my%20web/scale',
      rawQueryString: 'namespace=a&namespace=b&x=1',
      pathParameters: { service: 'my web' },
      queryStringParameters: { namespace: 'a,b', x: '1' },
      cookies: ['a=1', 'b=2'],
      body: '{"replicas":4}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/v1/services/my%20web/scale', sourceIp: '127.0.0.1' }, stage: '$default' },
    });
    expect((event?.headers as Record<string, string>)['x-many']).toBe('one');
    expect(event?.headers).not.toHaveProperty('cookie');
  });

  it('hands a gzip body labelled application/json over as text, its bytes lost, as AWS does', async () => {
    const { url, seen } = await echoApi();
    const gzip = gzipSync('{"replicas":4}');
    await fetch(`${url}/v1/services/web/scale`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzip });
    expect(seen[0]?.isBase64Encoded).toBe(false);
    expect(Buffer.from(seen[0]?.body as string, 'utf8').equals(gzip)).toBe(false);
  });

  it('base64-encodes any other body byte for byte', async () => {
    const { url, seen } = await echoApi();
    const gzip = gzipSync('{"replicas":4}');
    await fetch(`${url}/v1/services/web/scale`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, body: gzip });
    expect(seen[0]?.isBase64Encoded).toBe(true);
    expect(Buffer.from(seen[0]?.body as string, 'base64').equals(gzip)).toBe(true);
  });

  it('has no body and isBase64Encoded false for a request without one', async () => {
    const { url, seen } = await echoApi();
    await fetch(`${url}/v1/services`);
    expect(seen[0]).not.toHaveProperty('body');
    expect(seen[0]?.isBase64Encoded).toBe(false);
    expect(seen[0]).not.toHaveProperty('pathParameters');
  });
});

describe('the response a result becomes', () => {
  it('sends status, headers, cookies and a base64 body decoded', async () => {
    const { url } = await echoApi(() => ({ statusCode: 201, headers: { 'x-one': 'a' }, cookies: ['s=1'], body: Buffer.from('bytes').toString('base64'), isBase64Encoded: true }));
    const response = await fetch(`${url}/v1/services`);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-one')).toBe('a');
    expect(response.headers.get('set-cookie')).toBe('s=1');
    expect(await response.text()).toBe('bytes');
  });

  it('infers 200 and JSON for a bare value', async () => {
    const { url } = await echoApi(() => ({ ok: true }));
    const response = await fetch(`${url}/v1/services`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
  });

  it('answers 500 with API Gateway’s body, and nothing of the error, when the function fails', async () => {
    const errors: unknown[] = [];
    api = await startHttpApi({
      routes: httpRoutes([fn('admin', ['GET /v1/services'])]),
      invoke: async () => {
        throw new Error('secret detail');
      },
      onError: (_name, error) => errors.push(error),
    });
    const response = await fetch(`${api.url}/v1/services`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"message":"Internal Server Error"}');
    expect(errors).toHaveLength(1);
  });

  it('answers 404 {"message":"Not Found"} for a route serverless.yml does not declare', async () => {
    const { url } = await echoApi();
    const response = await fetch(`${url}/v1/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });
});

describe('ports', () => {
  it('moves to the next port it is given when the first is taken, and keeps it', async () => {
    const holder = await startHttpApi({ routes: [], invoke: async () => undefined });
    try {
      api = await startHttpApi({ routes: [], invoke: async () => undefined, ports: [holder.port, 0] });
      expect(api.port).not.toBe(holder.port);
      await expect(startHttpApi({ routes: [], invoke: async () => undefined, ports: [holder.port, api.port] })).rejects.toThrow(/all in use/);
    } finally {
      await holder.close();
    }
  });
});
