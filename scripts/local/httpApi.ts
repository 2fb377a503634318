/**
 * API Gateway's HTTP API (payload format 2.0) on 127.0.0.1: turns real HTTP
 * requests into the events Lambda receives, and the functions' results into
 * HTTP responses, as AWS does. `npm start` and the tests both use it, so a
 * handler cannot tell them apart from AWS.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { LocalFunction } from './serverlessConfig';

export interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  params: string[];
  functionName: string;
}

/** Calls a function with an event; resolves with its result, or rejects when it failed or timed out. */
export type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

/** The `httpApi: 'METHOD /path/{param}'` events of every function. */
export function httpRoutes(functions: readonly LocalFunction[]): Route[] {
  return functions.flatMap((fn) =>
    fn.httpRoutes.map((routeKey) => {
      const [method = '', template = ''] = routeKey.split(' ');
      const params: string[] = [];
      const source = template
        .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
        .replace(/\{(\w+)\}/g, (_match, name: string) => (params.push(name), '([^/]+)'));
      return { method, template, pattern: new RegExp(`^${source}$`), params, functionName: fn.name };
    }),
  );
}

/**
 * HTTP APIs pass a body as text only for these media types; any other body,
 * one without a Content-Type included, arrives base64-encoded. A Content-Encoding
 * changes nothing: a gzip body labelled application/json is handed over as
 * UTF-8 text, its bytes lost.
 */
export function deliveredAsText(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || ['application/json', 'application/xml', 'application/javascript'].includes(type);
}

function joinedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  // rawHeaders keeps repeats; HTTP APIs join them with commas under the lower-cased name.
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    const value = req.rawHeaders[i + 1] ?? '';
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

/** The payload 2.0 event API Gateway builds for a request that matched `route`. */
export function requestEvent(route: Route, req: IncomingMessage, body: Buffer, now = new Date()): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const match = route.pattern.exec(url.pathname) ?? [];
  const headers = joinedHeaders(req);
  const cookies = headers.cookie?.split(';').map((c) => c.trim()).filter(Boolean);
  delete headers.cookie;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const asText = deliveredAsText(headers['content-type']);
  const routeKey = `${route.method} ${route.template}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(url.searchParams.size > 0 ? { queryStringParameters: query } : {}),
    ...(route.params.length > 0
      ? { pathParameters: Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')])) }
      : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: (headers.host ?? '127').split('.')[0] ?? '',
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: asText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !asText,
  };
}

/**
 * The event a Lambda function URL hands its function: payload 2.0 as HTTP APIs
 * build it, but with no routes (`$default` for every method and path), so the
 * function sees whatever path was asked; bodies are encoded by the same rule.
 */
export function functionUrlEvent(req: IncomingMessage, body: Buffer, now = new Date()): APIGatewayProxyEventV2 {
  const method = req.method ?? 'GET';
  const event = requestEvent({ method, template: '', pattern: /^/, params: [], functionName: '' }, req, body, now);
  return {
    ...event,
    routeKey: '$default',
    requestContext: { ...event.requestContext, accountId: 'anonymous', apiId: 'local-function-url', routeKey: '$default' },
  };
}

/** Writes a function's result as API Gateway does for payload 2.0, including the format it infers for a bare value. */
export function writeResult(res: ServerResponse, result: unknown): void {
  const structured = typeof result === 'object' && result !== null && 'statusCode' in result;
  if (!structured) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const { statusCode = 200, headers = {}, cookies = [], body = '', isBase64Encoded = false } = result as APIGatewayProxyStructuredResultV2;
  const out: Record<string, string | string[]> = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
  if (cookies.length > 0) out['set-cookie'] = cookies;
  res.writeHead(statusCode, out).end(isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

/** What API Gateway answers when the function failed or timed out: no detail reaches the caller. */
function writeFailure(res: ServerResponse): void {
  res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface HttpApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 and keeps the port: `ports` are tried in order (0 lets
 * the kernel choose), so there is no gap between finding a port and using it.
 * Requests wait for `ready` before they reach a function.
 */
export async function startHttpApi(options: ServerOptions & { routes: readonly Route[] }): Promise<HttpApiServer> {
  const { routes } = options;
  return serve(options, (req, body) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const route = routes.find((r) => r.method === req.method && r.pattern.test(path));
    return route && { functionName: route.functionName, event: requestEvent(route, req, body) };
  });
}

/** A function URL on 127.0.0.1: every request, whatever its method and path, reaches `functionName`. */
export async function startFunctionUrl(options: ServerOptions & { functionName: string }): Promise<HttpApiServer> {
  return serve(options, (req, body) => ({ functionName: options.functionName, event: functionUrlEvent(req, body) }));
}

interface ServerOptions {
  invoke: Invoke;
  ports?: readonly number[];
  ready?: Promise<unknown>;
  onError?: (functionName: string, error: unknown) => void;
}

async function serve(
  options: ServerOptions,
  target: (req: IncomingMessage, body: Buffer) => { functionName: string; event: APIGatewayProxyEventV2 } | undefined,
): Promise<HttpApiServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const found = target(req, body);
      if (!found) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
        return;
      }
      await options.ready;
      try {
        writeResult(res, await options.invoke(found.functionName, found.event));
      } catch (error) {
        options.onError?.(found.functionName, error);
        writeFailure(res);
      }
    })();
  });
  const port = await listenOnFirstFree(server, options.ports ?? [0]);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Binds the first port of `ports` that is free and returns it; throws when none is. */
export async function listenOnFirstFree(server: Server, ports: readonly number[]): Promise<number> {
  for (const port of ports) {
    const bound = await new Promise<boolean>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error));
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve(true);
      });
    });
    if (bound) return (server.address() as AddressInfo).port;
  }
  throw new Error(`ports ${ports.join(', ')} on 127.0.0.1 are all in use`);
}
