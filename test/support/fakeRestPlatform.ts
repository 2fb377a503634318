import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { listenOnLoopback, stopServer } from './loopback';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

export interface Reply {
  status: number;
  body: unknown;
}

/** Answers one request; `state` is whatever the test keeps as the platform's data. */
export type Route = (request: ReceivedRequest) => Reply | undefined;

/**
 * A REST/JSON platform on 127.0.0.1: records every request, answers from
 * `route`, 404 when the route has no answer. Queue `failNext` replies to make
 * the next requests fail the way the platform does.
 */
export async function startRestPlatform(route: Route) {
  const received: ReceivedRequest[] = [];
  const failNext: Reply[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: raw ? (JSON.parse(raw) as unknown) : undefined };
      received.push(request);
      const reply = failNext.shift() ?? route(request) ?? { status: 404, body: { message: 'not found' } };
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(text);
    })();
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    received,
    failNext,
    close: () => stopServer(server),
  };
}
