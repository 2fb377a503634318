import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { parseClientTls, swarm } from '../../lib/providers/swarm';
import { engineUrl, swarmTarget } from '../../lib/targets/swarm';
import { resolveSecret } from '../../lib/secrets';
import { closedPortUrl, listenOnLoopback, stopServer } from '../support/loopback';
import { problemLines } from '../support/problems';

/** The service of the Engine API reference (`docker service inspect`, ServiceUpdate's example spec). */
function inspected(index: number, replicas: number) {
  return {
    ID: '9mnpnzenvg8p8tdbtq4wvbkcz',
    Version: { Index: index },
    CreatedAt: '2016-06-07T21:05:51.880065305Z',
    UpdatedAt: '2016-06-07T21:07:29.962229872Z',
    Spec: {
      Name: 'hopeful_cori',
      TaskTemplate: {
        ContainerSpec: { Image: 'redis' },
        Resources: { Limits: {}, Reservations: {} },
        RestartPolicy: { Condition: 'any', MaxAttempts: 0 },
        Placement: {},
        ForceUpdate: 0,
      },
      Mode: { Replicated: { Replicas: replicas } },
      UpdateConfig: { Parallelism: 1, Delay: 1000000000, FailureAction: 'pause', Monitor: 15000000000, MaxFailureRatio: 0.15 },
      RollbackConfig: { Parallelism: 1, Delay: 1000000000, FailureAction: 'pause', Monitor: 15000000000, MaxFailureRatio: 0.15 },
      EndpointSpec: { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 6379, PublishedPort: 30001 }] },
      Labels: { 'com.example.team': 'storage' },
    },
    Endpoint: {
      Spec: { Mode: 'vip', Ports: [{ Protocol: 'tcp', TargetPort: 6379, PublishedPort: 30001 }] },
      Ports: [{ Protocol: 'tcp', TargetPort: 6379, PublishedPort: 30001 }],
      VirtualIPs: [{ NetworkID: '4qvuz4ko70xaltuqbt8956gd1', Addr: '10.255.0.2/16' }],
    },
  };
}

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A Swarm manager's Engine API on 127.0.0.1: one service, whose Version.Index moves
 * on each update; a write against a stale index gets the daemon's "update out of sequence".
 */
let server: Server;
let base: string;
let received: Received[];
let service: ReturnType<typeof inspected> | { ID: string; Version: { Index: number }; Spec: Record<string, unknown> };
/** Answers to send instead of the fake's own, in order, for refusals. */
let replies: Array<{ status: number; body: string }>;
/** Someone else's update slipped in between our read and our write, this many times. */
let racingWriters: number;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const answer = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    const reply = replies.shift();
    if (reply) return res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && url.pathname === '/v1.41/services/redis') {
      const seen = structuredClone(service);
      if (racingWriters > 0) {
        racingWriters -= 1;
        service.Version.Index += 1;
      }
      return answer(200, seen);
    }
    if (req.method === 'POST' && url.pathname === '/v1.41/services/redis/update') {
      if (Number(url.searchParams.get('version')) !== service.Version.Index) {
        return answer(500, { message: 'rpc error: code = Unknown desc = update out of sequence' });
      }
      service = { ...service, Version: { Index: service.Version.Index + 1 }, Spec: JSON.parse(body) };
      return answer(200, { Warnings: null });
    }
    return answer(404, { message: `service ${url.pathname.split('/')[3]} not found` });
  });
  base = await listenOnLoopback(server);
});

afterAll(() => stopServer(server));

beforeEach(() => {
  received = [];
  replies = [];
  racingWriters = 0;
  service = inspected(12, 3);
});

const context: ProviderContext = { resolveSecret: (reference) => resolveSecret(reference), guard: { localStack: true } };

function provider(target: Record<string, unknown> = {}) {
  return swarm(swarmTarget.parse({ provider: 'swarm', endpoint: base, serviceId: 'redis', ...target }), context);
}

const request: ScaleRequest = { namespace: 'default', service: 'redis', from: 3, to: 5, trigger: 'policy', reason: 'cpu', ts: 0 };

describe('Method: readReplicas', () => {
  it("reads Spec.Mode.Replicated.Replicas from GET /services/{id}", async () => {
    expect(await provider().readReplicas()).toBe(3);
    expect(received).toMatchObject([{ method: 'GET', url: '/v1.41/services/redis', headers: { 'user-agent': 'tide', accept: 'application/json' } }]);
  });

  it('refuses a global service', async () => {
    service = { ID: 'x', Version: { Index: 3 }, Spec: { Name: 'redis', Mode: { Global: {} } } };
    await expect(provider().readReplicas()).rejects.toThrow(
      new ProviderError('swarm', 'read', 'service redis is global: global services cannot be scaled'),
    );
  });

  it.each([
    { mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } }, why: 'a replicated job: jobs run to completion and cannot be scaled' },
    { mode: { GlobalJob: {} }, why: 'a global job: jobs run to completion and cannot be scaled' },
  ])('refuses $why', async ({ mode, why }) => {
    service = { ID: 'x', Version: { Index: 3 }, Spec: { Name: 'redis', Mode: mode } };
    await expect(provider().readReplicas()).rejects.toThrow(new ProviderError('swarm', 'read', `service redis is ${why}`));
  });

  it("fails with the daemon's message on an error answer", async () => {
    await expect(provider({ serviceId: 'nope' }).readReplicas()).rejects.toThrow(
      new ProviderError('swarm', 'read', `GET /v1.41/services/nope on ${base} answered 404 (service nope not found)`),
    );
  });

  it('fails on a body that is not a service', async () => {
    replies.push({ status: 200, body: '{"message": "hello"}' });
    await expect(provider().readReplicas()).rejects.toThrow(/swarm read failed: GET \/v1.41\/services\/redis on .* answered a body without Spec.Mode/);
  });

  it('fails when nothing listens', async () => {
    const endpoint = await closedPortUrl();
    await expect(provider({ endpoint }).readReplicas()).rejects.toThrow(
      new ProviderError('swarm', 'read', `GET /v1.41/services/redis on ${endpoint} did not answer: ECONNREFUSED`),
    );
  });
});

describe('Method: setReplicas', () => {
  it('POSTs the whole spec with only the replicas changed, at the version it read', async () => {
    const before = inspected(12, 3);
    await provider().setReplicas(request);
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1.41/services/redis', 'POST /v1.41/services/redis/update?version=12']);
    expect(received[1]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received[1]!.body)).toEqual({ ...before.Spec, Mode: { Replicated: { Replicas: 5 } } });
    expect(await provider().readReplicas()).toBe(5);
  });

  it('reads again and retries once when another writer moved the version', async () => {
    racingWriters = 1;
    await provider().setReplicas(request);
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /v1.41/services/redis',
      'POST /v1.41/services/redis/update?version=12',
      'GET /v1.41/services/redis',
      'POST /v1.41/services/redis/update?version=13',
    ]);
    expect(service.Spec.Mode).toEqual({ Replicated: { Replicas: 5 } });
  });

  it('gives up after one retry, saying the version kept moving', async () => {
    racingWriters = 2;
    await expect(provider().setReplicas(request)).rejects.toThrow(
      new ProviderError(
        'swarm',
        'scale',
        `POST /v1.41/services/redis/update on ${base} answered 500 (rpc error: code = Unknown desc = update out of sequence)`,
      ),
    );
    expect(received).toHaveLength(4);
  });

  it("fails with the daemon's message when the update is refused", async () => {
    replies.push({ status: 200, body: JSON.stringify(inspected(12, 3)) });
    replies.push({ status: 503, body: '{"message": "This node is not a swarm manager."}' });
    await expect(provider().setReplicas(request)).rejects.toThrow(
      new ProviderError('swarm', 'scale', `POST /v1.41/services/redis/update on ${base} answered 503 (This node is not a swarm manager.)`),
    );
  });

  it('does not update a global service', async () => {
    service = { ID: 'x', Version: { Index: 3 }, Spec: { Name: 'redis', Mode: { Global: {} } } };
    await expect(provider().setReplicas(request)).rejects.toThrow(
      new ProviderError('swarm', 'scale', 'service redis is global: global services cannot be scaled'),
    );
    expect(received.map((r) => r.method)).toEqual(['GET']);
  });

  it('fails when nothing listens', async () => {
    const endpoint = await closedPortUrl();
    await expect(provider({ endpoint }).setReplicas(request)).rejects.toThrow(
      new ProviderError('swarm', 'scale', `GET /v1.41/services/redis on ${endpoint} did not answer: ECONNREFUSED`),
    );
  });
});

describe('On a unix socket', () => {
  let socketDir: string;
  let socketServer: Server;
  let endpoint: string;

  beforeAll(async () => {
    socketDir = mkdtempSync(join(tmpdir(), 'tide-swarm-socket-'));
    // The same Engine API as on TCP, the way dockerd serves it on /var/run/docker.sock.
    socketServer = createServer((req, res) => server.emit('request', req, res));
    await new Promise<void>((resolve) => socketServer.listen(join(socketDir, 'docker.sock'), resolve));
    endpoint = `unix://${join(socketDir, 'docker.sock')}`;
  });

  afterAll(async () => {
    await stopServer(socketServer);
    rmSync(socketDir, { recursive: true, force: true });
  });

  it('reads and scales through it, naming it in errors', async () => {
    await provider({ endpoint }).setReplicas(request);
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1.41/services/redis', 'POST /v1.41/services/redis/update?version=12']);
    expect(await provider({ endpoint }).readReplicas()).toBe(5);
    await expect(provider({ endpoint, serviceId: 'nope' }).readReplicas()).rejects.toThrow(
      new ProviderError('swarm', 'read', `GET /v1.41/services/nope on ${endpoint} answered 404 (service nope not found)`),
    );
  });

  it('is refused outside the local stack, like loopback', async () => {
    const deployed = swarm(swarmTarget.parse({ provider: 'swarm', endpoint, serviceId: 'redis' }), { ...context, guard: { localStack: false } });
    await expect(deployed.readReplicas()).rejects.toThrow(
      new ProviderError(
        'swarm',
        'read',
        `GET /v1.41/services/redis on ${endpoint} did not answer: Tide does not connect there: ${endpoint} is a unix socket, reachable only on the local stack`,
      ),
    );
    expect(received).toEqual([]);
  });
});

describe('TLS client certificates', () => {
  let dir: string;
  let tlsServer: TlsServer;
  let tlsEndpoint: string;
  let pem: Record<'ca' | 'cert' | 'key', string>;
  let clients: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tide-swarm-tls-'));
    const files = issueCertificates(dir);
    pem = { ca: files.ca, cert: files.clientCert, key: files.clientKey };
    tlsServer = createTlsServer({ ca: files.ca, cert: files.serverCert, key: files.serverKey, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      clients.push((req.socket as TLSSocket).getPeerCertificate().subject.CN as string);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(inspected(7, 2)));
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    tlsEndpoint = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    tlsServer.closeAllConnections();
    await new Promise((resolve) => tlsServer.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    clients = [];
  });

  it.each([
    { name: 'JSON {ca, cert, key}', variable: 'TIDE_TEST_SWARM_TLS_JSON', secret: () => JSON.stringify(pem) },
    { name: 'a PEM bundle', variable: 'TIDE_TEST_SWARM_TLS_PEM', secret: () => `${pem.key}\n${pem.cert}\n${pem.ca}` },
  ])('presents the client certificate from $name', async ({ variable, secret }) => {
    process.env[variable] = secret();
    const target = swarmTarget.parse({ provider: 'swarm', endpoint: tlsEndpoint, serviceId: 'redis', credentials: `env:${variable}` });
    expect(await swarm(target, context).readReplicas()).toBe(2);
    expect(clients).toEqual(['tide-test-client']);
  });

  it("fails without one, saying the daemon's certificate is not trusted", async () => {
    const plain = swarm(swarmTarget.parse({ provider: 'swarm', endpoint: tlsEndpoint, serviceId: 'redis' }), context);
    await expect(plain.readReplicas()).rejects.toThrow(
      new ProviderError(
        'swarm',
        'read',
        `GET /v1.41/services/redis on ${tlsEndpoint} has a TLS certificate Tide does not trust (SELF_SIGNED_CERT_IN_CHAIN): name a secret holding the CA that signed it in credentials`,
      ),
    );
  });

  it('fails, naming the reference, when the secret holds no certificate', async () => {
    process.env.TIDE_TEST_SWARM_NOT_TLS = 'hunter2';
    const target = swarmTarget.parse({ provider: 'swarm', endpoint: tlsEndpoint, serviceId: 'redis', credentials: 'env:TIDE_TEST_SWARM_NOT_TLS' });
    await expect(swarm(target, context).readReplicas()).rejects.toThrow(
      new ProviderError('swarm', 'read', 'env:TIDE_TEST_SWARM_NOT_TLS holds neither JSON {ca, cert, key} nor a PEM bundle with a certificate and a key'),
    );
    expect(clients).toEqual([]);
  });
});

describe('engineUrl', () => {
  it.each([
    { endpoint: 'tcp://manager:2376', url: 'https://manager:2376' },
    { endpoint: 'tcp://manager', url: 'https://manager:2376' },
    { endpoint: 'tcp://manager:2375', url: 'http://manager:2375' },
    { endpoint: 'tcp://10.0.0.5:3376', url: 'https://10.0.0.5:3376' },
    { endpoint: 'https://swarm.example:8443', url: 'https://swarm.example:8443' },
    { endpoint: 'http://127.0.0.1:2375', url: 'http://127.0.0.1:2375' },
  ])('reads $endpoint as $url', ({ endpoint, url }) => {
    expect(engineUrl(endpoint).origin).toBe(url);
  });
});

describe('parseClientTls', () => {
  it('refuses JSON without a key', () => {
    expect(parseClientTls('{"cert": "x"}')).toBeUndefined();
  });

  it('takes the first certificate as the client one and the rest as the CA', () => {
    const block = (type: string, body: string) => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----`;
    const bundle = [block('CERTIFICATE', 'client'), block('EC PRIVATE KEY', 'key'), block('CERTIFICATE', 'ca')].join('\n');
    expect(parseClientTls(bundle)).toEqual({ cert: block('CERTIFICATE', 'client'), key: block('EC PRIVATE KEY', 'key'), ca: block('CERTIFICATE', 'ca') });
  });
});

describe('swarmTarget', () => {
  function problems(input: Record<string, unknown>): string[] {
    return problemLines(swarmTarget, { provider: 'swarm', ...input });
  }

  it('accepts a unix socket, as DOCKER_HOST names one', () => {
    expect(swarmTarget.parse({ provider: 'swarm', endpoint: 'unix:///var/run/docker.sock', serviceId: 'web' })).toMatchObject({ endpoint: 'unix:///var/run/docker.sock' });
  });

  it("accepts SPEC.md's example and fills in the timeout", () => {
    expect(
      swarmTarget.parse({ provider: 'swarm', endpoint: 'tcp://manager:2376', serviceId: '6dnh8i971l5h', credentials: 'ssm:/tide/swarm-prod' }),
    ).toEqual({ provider: 'swarm', endpoint: 'tcp://manager:2376', serviceId: '6dnh8i971l5h', credentials: 'ssm:/tide/swarm-prod', timeout: '10s' });
  });

  it.each([
    {
      name: 'nothing',
      input: {},
      problems: [
        'endpoint: must be a Docker endpoint: unix:///path/to/docker.sock, tcp://host:2376 (TLS), tcp://host:2375, https:// or http://',
        'serviceId: must be a Swarm service ID or name',
      ],
    },
    {
      name: 'a relative unix socket path',
      input: { endpoint: 'unix://docker.sock', serviceId: 'web' },
      problems: ['endpoint: must be a Docker endpoint: unix:///path/to/docker.sock, tcp://host:2376 (TLS), tcp://host:2375, https:// or http://'],
    },
    {
      name: 'a client certificate for a unix socket',
      input: { endpoint: 'unix:///var/run/docker.sock', serviceId: 'web', credentials: 'ssm:/tide/swarm' },
      problems: ['credentials: must be left out for a unix socket, which takes no client certificate'],
    },
    {
      name: 'a password in the endpoint',
      input: { endpoint: 'https://ops:hunter2@manager:2376', serviceId: 'web' },
      problems: ['endpoint: must not carry a user or password; name the TLS client certificate in credentials'],
    },
    { name: 'a service id with a slash', input: { endpoint: 'tcp://manager:2376', serviceId: '../nodes' }, problems: ['serviceId: must be a Swarm service ID or name'] },
    {
      name: 'a client certificate for plain HTTP',
      input: { endpoint: 'tcp://manager:2375', serviceId: 'web', credentials: 'ssm:/tide/swarm' },
      problems: ['credentials: needs a TLS endpoint (https://, or tcp:// on a port other than 2375)'],
    },
    {
      name: 'a literal certificate',
      input: { endpoint: 'tcp://manager:2376', serviceId: 'web', credentials: '-----BEGIN CERTIFICATE-----' },
      problems: ['credentials: must name a secret as ssm:/path, secretsmanager:name or env:NAME'],
    },
    { name: 'a long timeout', input: { endpoint: 'tcp://manager:2376', serviceId: 'web', timeout: '5m' }, problems: ['timeout: must be at most 60s'] },
  ])('refuses $name', ({ input, problems: expected }) => {
    expect(problems(input)).toEqual(expected);
  });
});

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, as `docker-machine` would issue. */
function issueCertificates(dir: string) {
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '1', '-subj', '/CN=tide-test-ca');
  for (const [name, extension] of [
    ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    writeFileSync(at(`${name}.ext`), extension);
    openssl('req', ...ec, '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', `/CN=tide-test-${name}`);
    openssl('x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.pem'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '1', '-out', at(`${name}.pem`), '-extfile', at(`${name}.ext`));
  }
  const read = (name: string) => readFileSync(at(name), 'utf8');
  return { ca: read('ca.pem'), serverCert: read('server.pem'), serverKey: read('server.key'), clientCert: read('client.pem'), clientKey: read('client.key') };
}
