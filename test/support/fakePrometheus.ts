import { createServer, type IncomingMessage, type Server } from 'node:http';
import { listenOnLoopback, stopServer } from './loopback';

// A Prometheus server's instant-query endpoint on 127.0.0.1, speaking its HTTP API as
// https://prometheus.io/docs/prometheus/latest/querying/api/ documents it: GET or POST
// /api/v1/query with `query`, `time` and `timeout` (POST form-encoded), answering the JSON
// envelope {"status", "data": {"resultType", "result"}} or {"status": "error", "errorType", "error"}.

/** One query as the fake received it. */
export interface ReceivedQuery {
  method: string;
  /** The path and query string asked for. */
  path: string;
  query: string | null;
  time: string | null;
  timeout: string | null;
  authorization: string | undefined;
  contentType: string | undefined;
}

/** What the fake answers a query with: a status (200 unless given) and a body, JSON unless a string. */
export interface FakeAnswer {
  status?: number;
  body: unknown;
}

// Bodies in the documented shapes. Prometheus sends sample values as strings.

/** An instant vector, one series per value, each with its own labels. */
export function vector(...values: Array<number | string>): FakeAnswer {
  return {
    body: {
      status: 'success',
      data: { resultType: 'vector', result: values.map((value, i) => ({ metric: { instance: `web-${i}:9100`, job: 'web' }, value: [1435781451.781, String(value)] })) },
    },
  };
}

export function scalar(value: number | string): FakeAnswer {
  return { body: { status: 'success', data: { resultType: 'scalar', result: [1435781451.781, String(value)] } } };
}

export function matrix(...values: Array<number | string>): FakeAnswer {
  const series = { metric: { __name__: 'up', job: 'prometheus', instance: 'localhost:9090' }, values: values.map((v, i) => [1435781430.781 + 15 * i, String(v)]) };
  return { body: { status: 'success', data: { resultType: 'matrix', result: [series] } } };
}

export function stringResult(text: string): FakeAnswer {
  return { body: { status: 'success', data: { resultType: 'string', result: [1435781451.781, text] } } };
}

/** An error answer: 400 bad_data for a query that does not parse, 422 execution, 503 timeout. */
export function prometheusError(status: number, errorType: string, error: string): FakeAnswer {
  return { status, body: { status: 'error', errorType, error } };
}

/**
 * Starts the fake. `answer` says what each query gets (a vector of one sample, 0, unless set);
 * `received` keeps every query in the order it came.
 */
export async function startFakePrometheus(answer: (query: ReceivedQuery) => FakeAnswer | Promise<FakeAnswer> = () => vector(0)) {
  const state = { answer, received: [] as ReceivedQuery[] };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://prometheus');
      const form = req.method === 'POST' ? new URLSearchParams(await bodyOf(req)) : url.searchParams;
      // Behind a proxy the API sits under a path prefix: /prometheus/api/v1/query.
      if (!url.pathname.endsWith('/api/v1/query') || (req.method !== 'GET' && req.method !== 'POST')) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
        return;
      }
      const received: ReceivedQuery = {
        method: req.method,
        path: req.url ?? '/',
        query: form.get('query'),
        time: form.get('time'),
        timeout: form.get('timeout'),
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
      };
      state.received.push(received);
      const { status = 200, body } = await state.answer(received);
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' }).end(text);
    })();
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    state,
    close: () => stopServer(server),
  };
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A sim service on 5 replicas of 50 requests a second, scaling on the request rate `source` reads
 * (a Prometheus source), with `rule` added to its one rule: what the Prometheus tests apply.
 */
export function serviceOnRequestRate(source: Record<string, unknown>, rule: Record<string, unknown> = {}) {
  return {
    min: 1,
    max: 20,
    target: { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50, initialReplicas: 5, startupDelay: '60s' },
    policy: { rules: [{ type: 'target', metric: 'http_requests_per_second', per: 'service', target: 50, source, ...rule }] },
  };
}
