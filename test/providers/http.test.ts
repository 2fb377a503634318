import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { http } from '../../lib/providers/http';
import { httpTarget } from '../../lib/targets/http';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { resolveSecret } from '../../lib/secrets';
import { closedPortUrl, listenOnLoopback, stopServer } from '../support/loopback';

const SECRET = 'hook-secret-do-not-leak';
process.env.TIDE_TEST_HOOK_SECRET = SECRET;

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A platform's scale hook on 127.0.0.1: records each request and answers with the next queued reply. */
let server: Server;
let base: string;
let received: Received[];
let replies: Array<{ status: number; body: string }>;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
    if (req.url === '/hang') return; // a platform that never answers
    const reply = replies.shift() ?? { status: 200, body: '' };
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
  base = await listenOnLoopback(server);
});

afterAll(() => stopServer(server));

beforeEach(() => {
  received = [];
  replies = [];
});

const context: ProviderContext = { resolveSecret: (reference) => resolveSecret(reference), guard: { localStack: true } };

function provider(target: Record<string, unknown> = {}) {
  return http(httpTarget.parse({ provider: 'http', url: `${base}/scale/myweb`, ...target }), context);
}

const request: ScaleRequest = {
  namespace: 'default',
  service: 'myweb',
  from: 2,
  to: 4,
  trigger: 'policy',
  reason: 'cpu_ratio mean 83.1 > 70 for 10m',
  ts: Date.UTC(2026, 10, 22, 10, 0, 5),
};

describe('Method: readReplicas', () => {
  it('reads {"replicas": N} from GET url', async () => {
    replies.push({ status: 200, body: '{"replicas": 3, "note": "extra fields are fine"}' });
    expect(await provider().readReplicas()).toBe(3);
    expect(received).toMatchObject([{ method: 'GET', url: '/scale/myweb', headers: { 'user-agent': 'tide' } }]);
  });

  it.each([
    { name: 'a non-2xx status', status: 500, body: '{"replicas": 3}' },
    { name: 'a body that is not JSON', status: 200, body: 'replicas: 3' },
    { name: 'an empty body', status: 200, body: '' },
    { name: 'no replicas field', status: 200, body: '{"count": 3}' },
    { name: 'negative replicas', status: 200, body: '{"replicas": -1}' },
    { name: 'fractional replicas', status: 200, body: '{"replicas": 2.5}' },
    { name: 'replicas as a string', status: 200, body: '{"replicas": "3"}' },
    { name: 'a JSON array', status: 200, body: '[3]' },
  ])('answers undefined for $name', async ({ status, body }) => {
    replies.push({ status, body });
    expect(await provider().readReplicas()).toBeUndefined();
  });

  it('answers undefined when the platform never answers', async () => {
    expect(await provider({ url: `${base}/hang`, timeout: '50ms' }).readReplicas()).toBeUndefined();
  });

  it('answers undefined when nothing listens', async () => {
    expect(await http(httpTarget.parse({ provider: 'http', url: await closedPortUrl() }), context).readReplicas()).toBeUndefined();
  });
});

describe('Method: setReplicas', () => {
  it('POSTs the scaling as JSON, signed over the exact bytes sent', async () => {
    await provider({ credentials: 'env:TIDE_TEST_HOOK_SECRET' }).setReplicas(request);
    const [post] = received;
    expect(post?.method).toBe('POST');
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.headers['user-agent']).toBe('tide');
    expect(JSON.parse(post!.body.toString('utf8'))).toEqual({
      namespace: 'default',
      service: 'myweb',
      from: 2,
      to: 4,
      trigger: 'policy',
      reason: 'cpu_ratio mean 83.1 > 70 for 10m',
      ts: '2026-11-22T10:00:05.000Z',
    });
    const expected = createHmac('sha256', SECRET).update(post!.body).digest('hex');
    expect(post?.headers['x-tide-signature']).toBe(`sha256=${expected}`);
  });

  it('signs non-ASCII reasons over their UTF-8 bytes', async () => {
    await provider({ credentials: 'env:TIDE_TEST_HOOK_SECRET' }).setReplicas({ ...request, reason: 'déploiement — 🚀' });
    const [post] = received;
    expect(JSON.parse(post!.body.toString('utf8')).reason).toBe('déploiement — 🚀');
    expect(post?.headers['x-tide-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(post!.body).digest('hex')}`);
  });

  it('sends no signature without credentials', async () => {
    await provider().setReplicas(request);
    expect(received[0]?.headers).not.toHaveProperty('x-tide-signature');
  });

  it('treats any 2xx as applied', async () => {
    replies.push({ status: 204, body: '' });
    await expect(provider().setReplicas(request)).resolves.toBeUndefined();
  });

  it('fails on a non-2xx answer, naming the status but not the secret', async () => {
    replies.push({ status: 503, body: '{"error": "maintenance until 11:00"}' });
    const failure = await provider({ credentials: 'env:TIDE_TEST_HOOK_SECRET' })
      .setReplicas(request)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ provider: 'http', operation: 'scale' });
    const message = (failure as Error).message;
    expect(message).toContain(`POST ${base}/scale/myweb answered 503 Service Unavailable`);
    expect(message).toContain('maintenance until 11:00');
    expect(message).not.toContain(SECRET);
  });

  it('fails when nothing listens', async () => {
    const url = `${await closedPortUrl()}/scale`;
    await expect(http(httpTarget.parse({ provider: 'http', url }), context).setReplicas(request)).rejects.toThrow(
      new ProviderError('http', 'scale', `POST ${url} did not answer: ECONNREFUSED`),
    );
  });

  it('gives up when the platform never answers', async () => {
    await expect(provider({ url: `${base}/hang`, timeout: '50ms' }).setReplicas(request)).rejects.toThrow(
      new ProviderError('http', 'scale', `POST ${base}/hang did not answer: timed out after 50ms`),
    );
  });

  it('fails, naming the reference, when the secret is not set', async () => {
    await expect(provider({ credentials: 'env:TIDE_TEST_UNSET_SECRET' }).setReplicas(request)).rejects.toThrow(
      /http scale failed: cannot read the signing secret from env:TIDE_TEST_UNSET_SECRET/,
    );
    expect(received).toEqual([]);
  });
});
