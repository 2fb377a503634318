import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { load } from 'js-yaml';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  params: string[];
  functionName: string;
  handlerPath: string;
}

const root = join(import.meta.dirname, '..', '..');

/** The HTTP routes exactly as serverless.yml declares them, so tests exercise the deployed routing. */
export function declaredRoutes(): Route[] {
  const doc = load(readFileSync(join(root, 'serverless.yml'), 'utf8')) as {
    functions: Record<string, { handler: string; events?: Array<{ httpApi?: string }> }>;
  };
  const routes: Route[] = [];
  for (const [functionName, fn] of Object.entries(doc.functions)) {
    for (const event of fn.events ?? []) {
      if (typeof event.httpApi !== 'string') continue;
      const [method = '', template = ''] = event.httpApi.split(' ');
      const params: string[] = [];
      const pattern = new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => (params.push(name), '([^/]+)'))}$`,
      );
      routes.push({ method, template, pattern, params, functionName, handlerPath: fn.handler });
    }
  }
  return routes;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A stand-in for API Gateway's HTTP API (payload 2.0) on 127.0.0.1: turns
 * real HTTP requests into the events Lambda receives and calls the real
 * handlers from functions/.
 */
export async function startHttpApi(): Promise<{ url: string; close: () => Promise<void> }> {
  const routes = declaredRoutes();
  const handlers = new Map<string, Handler>();
  const handlerFor = async (route: Route): Promise<Handler> => {
    let handler = handlers.get(route.functionName);
    if (!handler) {
      const [file = '', exportName = 'handler'] = route.handlerPath.split('.');
      const mod = (await import(join(root, `${file}.ts`))) as Record<string, Handler>;
      handler = mod[exportName] as Handler;
      handlers.set(route.functionName, handler);
    }
    return handler;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const route = routes.find((r) => r.method === req.method && r.pattern.test(url.pathname));
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
        return;
      }
      const match = route.pattern.exec(url.pathname) ?? [];
      const pathParameters = Object.fromEntries(route.params.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
      const body = await readBody(req);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
      const textual = /json|text|x-www-form-urlencoded/.test(headers['content-type'] ?? '') && !headers['content-encoding'];
      const query = url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : undefined;
      const event = {
        version: '2.0',
        routeKey: `${route.method} ${route.template}`,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(query ? { queryStringParameters: query } : {}),
        ...(route.params.length > 0 ? { pathParameters } : {}),
        requestContext: {
          http: { method: route.method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
          domainName: headers.host ?? '127.0.0.1',
          stage: '$default',
          routeKey: `${route.method} ${route.template}`,
        },
        ...(body.length > 0 ? { body: textual ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !textual } : { isBase64Encoded: false }),
      } as unknown as APIGatewayProxyEventV2;
      const handler = await handlerFor(route);
      const result = await handler(event, { functionName: route.functionName, awsRequestId: 'test' } as Context);
      res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(result.body ?? '');
    })().catch((error: unknown) => {
      res.writeHead(599).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
