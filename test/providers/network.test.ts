import type { LookupAddress } from 'node:dns';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TargetGuard } from '../../lib/targets/addresses';
import type { Resolve } from '../../lib/providers/network';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { createProvider } from '../../lib/providers/registry';
import { targetSchema, type PlatformTarget } from '../../lib/targets/schema';
import { guardedTransport, NoAnswerError, type PlatformCall } from '../../lib/providers/transport';
import { listenOnLoopback, stopServer } from '../support/loopback';

// Names used here resolve only through the resolvers the tests hand in; nothing
// leaves the machine, and nothing but 127.0.0.1 is ever connected to.

const DEPLOYED: TargetGuard = { localStack: false };
const LOCAL: TargetGuard = { localStack: true };

let server: Server;
let base: string;
let port: string;
let received: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (req.url === '/moved') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    else if (req.url === '/hang') return;
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"replicas": 2}');
  });
  base = await listenOnLoopback(server);
  port = new URL(base).port;
});

afterAll(() => stopServer(server));

beforeEach(() => {
  received = [];
});

/** A resolver answering from a list per call, and counting its calls. */
function answering(...answers: string[][]): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<LookupAddress[]> => {
    calls.push(hostname);
    const addresses = answers[Math.min(calls.length, answers.length) - 1] ?? [];
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

/** A GET with a timeout no test reaches, but for the one that waits on a platform that never answers. */
const get = (url: string): PlatformCall => ({ method: 'GET', url, timeout: '5s' });

describe('Function: guardedTransport', () => {
  it('connects to the address the name resolved to, once checked, and keeps the name in Host', async () => {
    const resolve = answering(['127.0.0.1']);
    const answer = await guardedTransport(LOCAL, resolve)(get(`http://platform.test:${port}/scale`));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ replicas: 2 });
    expect(resolve.calls).toEqual(['platform.test']);
    expect(received).toMatchObject([{ method: 'GET', url: '/scale', headers: { host: `platform.test:${port}` } }]);
  });

  it('resolves each connection once, so a name rebound to the metadata address after its check is refused, not reached', async () => {
    const resolve = answering(['127.0.0.1'], ['169.254.169.254']);
    const call = guardedTransport(LOCAL, resolve);
    expect((await call(get(`http://platform.test:${port}/scale`))).status).toBe(200);
    await expect(call(get(`http://platform.test:${port}/scale`))).rejects.toThrow(
      new NoAnswerError('did not answer: Tide does not connect there: platform.test resolves to 169.254.169.254, which is a link-local address, where cloud metadata services answer'),
    );
    expect(resolve.calls).toEqual(['platform.test', 'platform.test']);
    expect(received).toHaveLength(1);
  });

  it('refuses a name when any of its addresses is refused', async () => {
    const resolve = answering(['127.0.0.1', 'fd00:ec2::254']);
    await expect(guardedTransport(LOCAL, resolve)(get(`http://platform.test:${port}/scale`))).rejects.toThrow(/platform\.test resolves to fd00:ec2::254, which is a cloud metadata address/);
    expect(received).toEqual([]);
  });

  it('refuses the metadata address before resolving or connecting anything', async () => {
    const resolve = answering();
    await expect(guardedTransport(LOCAL, resolve)(get('http://169.254.169.254/latest/meta-data/iam/security-credentials/'))).rejects.toThrow(
      new NoAnswerError('did not answer: Tide does not connect there: 169.254.169.254 is a link-local address, where cloud metadata services answer'),
    );
    expect(resolve.calls).toEqual([]);
  });

  it('refuses a metadata name before resolving it', async () => {
    const resolve = answering(['127.0.0.1']);
    await expect(guardedTransport(LOCAL, resolve)(get('http://metadata.google.internal/computeMetadata/v1/'))).rejects.toThrow(
      /metadata\.google\.internal is a cloud metadata address/,
    );
    expect(resolve.calls).toEqual([]);
  });

  it('refuses loopback when deployed, by address and by a name that resolves to it', async () => {
    await expect(guardedTransport(DEPLOYED, answering())(get(`${base}/scale`))).rejects.toThrow(/127\.0\.0\.1 is a loopback address, reachable only on the local stack/);
    await expect(guardedTransport(DEPLOYED, answering(['127.0.0.1']))(get(`http://platform.test:${port}/scale`))).rejects.toThrow(
      /platform\.test resolves to 127\.0\.0\.1, which is a loopback address/,
    );
    expect(received).toEqual([]);
  });

  it('reaches only what TIDE_ALLOWED_TARGETS lists', async () => {
    const listed: TargetGuard = { localStack: true, allowedTargets: ['platform.test'] };
    expect((await guardedTransport(listed, answering(['127.0.0.1']))(get(`http://platform.test:${port}/scale`))).status).toBe(200);
    await expect(guardedTransport(listed, answering(['127.0.0.1']))(get(`http://other.test:${port}/scale`))).rejects.toThrow(
      /other\.test resolves to 127\.0\.0\.1, which is not in TIDE_ALLOWED_TARGETS/,
    );
    expect(received).toHaveLength(1);
  });

  it('answers a redirect as it is, without following it', async () => {
    const answer = await guardedTransport(LOCAL)(get(`${base}/moved`));
    expect(answer.status).toBe(302);
    expect(received.map((r) => r.url)).toEqual(['/moved']);
  });

  it('sends the body with its length and gives up after its timeout', async () => {
    const answer = await guardedTransport(LOCAL)({ method: 'POST', url: `${base}/scale`, body: '{"to":3}', timeout: '5s' });
    expect(answer.ok).toBe(true);
    expect(received[0]?.headers).toMatchObject({ 'content-length': '8', 'content-type': 'application/json', 'user-agent': 'tide' });
    await expect(guardedTransport(LOCAL)({ method: 'GET', url: `${base}/hang`, timeout: '50ms' })).rejects.toThrow(new NoAnswerError('did not answer: timed out after 50ms'));
  });
});

describe('Every provider connects only where the guard allows', () => {
  const context = (guard: TargetGuard): ProviderContext => ({ resolveSecret: async () => 'access:secret', guard });
  const request: ScaleRequest = { namespace: 'default', service: 'web', from: 1, to: 2, trigger: 'manual', reason: 'test', ts: 0 };
  const targets = () => [
    { provider: 'alauda', url: base, namespace: 'madams', serviceName: 'test', credentials: 'env:T' },
    { provider: 'ecs', cluster: 'web', service: 'web', region: 'eu-west-1', endpoint: base },
    { provider: 'http', url: `${base}/scale` },
    { provider: 'kubernetes', apiServer: base, namespace: 'shop', kind: 'Deployment', name: 'web', credentials: 'env:T' },
    { provider: 'occs', url: base, deploymentId: 'd1', serviceName: 'redis', credentials: 'env:T' },
    { provider: 'rancher', url: base, projectId: '1a5', serviceId: '1s12', credentials: 'env:T' },
    { provider: 'swarm', endpoint: base, serviceId: 'redis' },
  ];

  it.each(targets().map((t) => ({ name: t.provider })))('$name refuses loopback when deployed, and calls nothing', async ({ name }) => {
    const target = targetSchema.parse(targets().find((t) => t.provider === name));
    const failure = await createProvider(target as PlatformTarget, context(DEPLOYED))
      .setReplicas(request)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as Error).message).toMatch(/Tide does not connect there: 127\.0\.0\.1 is a loopback address, reachable only on the local stack/);
    expect(received).toEqual([]);
  });
});
