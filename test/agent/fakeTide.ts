import { createServer, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface Received {
  headers: IncomingHttpHeaders;
  /** The body as it went over the wire, gzip or not. */
  raw: Buffer;
  batch: { node: string; batchId: string; minutes: Array<{ start: string; seq: number; services: Record<string, { containers: number; metrics: Record<string, { count: number; sum: number; min: number; max: number }> }> }> };
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang up';

/**
 * Something in Tide's place on 127.0.0.1: records every POST /v1/metrics and
 * answers what `reply` says for the nth one (0-based), or hangs up as an
 * unreachable Tide would.
 */
export async function startFakeTide(reply: (n: number, received: Received) => Reply | Promise<Reply>) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      const entry = { headers: req.headers, raw, batch: JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as Received['batch'] };
      received.push(entry);
      const answer = await reply(received.length - 1, entry);
      if (answer === 'hang up') {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Passes a recorded request on to the real ingest handler and answers what it answered. */
export async function forward(base: string, request: Received): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  for (const name of ['authorization', 'content-type', 'content-encoding']) if (request.headers[name]) headers[name] = String(request.headers[name]);
  const response = await fetch(`${base}/v1/metrics`, { method: 'POST', headers, body: request.raw });
  return { status: response.status, body: await response.json() };
}
