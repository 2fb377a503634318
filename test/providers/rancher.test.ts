import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { rancher } from '../../lib/providers/rancher';
import { rancherTarget } from '../../lib/targets/rancher';
import { resolveSecret } from '../../lib/secrets';
import { closedPortUrl, listenOnLoopback, stopServer } from '../support/loopback';
import { problemLines } from '../support/problems';

const ACCESS_KEY = '8C0A9D0B7A6A4E1D4E2C';
const SECRET_KEY = 'rancher16-secret-key-do-not-leak';
const TOKEN = 'token-m2xqv:rancher2-secret-do-not-leak';
process.env.TIDE_TEST_RANCHER16_KEY = `${ACCESS_KEY}:${SECRET_KEY}`;
process.env.TIDE_TEST_RANCHER2_TOKEN = TOKEN;
process.env.TIDE_TEST_RANCHER_NO_COLON = 'just-a-password';

/** A Rancher 1.6 service as the v2-beta API shows it (fields of the API reference's Service resource). */
function cattleService(scale: number, labels: Record<string, string> = { 'io.rancher.container.pull_image': 'always' }) {
  return {
    id: '1s12',
    type: 'service',
    baseType: 'service',
    links: { self: '…/v2-beta/projects/1a5/services/1s12', instances: '…/v2-beta/projects/1a5/services/1s12/instances' },
    actions: { upgrade: '…?action=upgrade', deactivate: '…?action=deactivate' },
    name: 'web',
    state: 'active',
    accountId: '1a5',
    stackId: '1st5',
    kind: 'service',
    healthState: 'healthy',
    launchConfig: { imageUuid: 'docker:nginx:alpine', labels, ports: ['8787:80/tcp'] },
    scale,
    currentScale: scale,
    scalePolicy: null,
    startOnCreate: true,
    system: false,
    instanceIds: ['1i40', '1i41'],
  };
}

/** A Rancher 2.x workload as the v3 API shows it. */
function workload(scale: number) {
  return {
    id: 'deployment:default:web',
    type: 'workload',
    baseType: 'workload',
    links: { self: '…/v3/project/c-abc12:p-xyz34/workloads/deployment:default:web' },
    actions: { pause: '…?action=pause', redeploy: '…?action=redeploy', resume: '…?action=resume', rollback: '…?action=rollback' },
    name: 'web',
    namespaceId: 'default',
    projectId: 'c-abc12:p-xyz34',
    state: 'active',
    containers: [{ image: 'nginx:alpine', name: 'web', imagePullPolicy: 'Always' }],
    deploymentConfig: { maxSurge: 1, maxUnavailable: 0, minReadySeconds: 0, progressDeadlineSeconds: 600, revisionHistoryLimit: 10, strategy: 'RollingUpdate' },
    workloadAnnotations: { 'deployment.kubernetes.io/revision': '1' },
    scale,
  };
}

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const CATTLE_PATH = '/v2-beta/projects/1a5/services/1s12';
const WORKLOAD_PATH = '/v3/project/c-abc12:p-xyz34/workloads/deployment:default:web';

/** Rancher on 127.0.0.1: both APIs, each checking its own authentication and merging a PUT into the resource. */
let server: Server;
let base: string;
let received: Received[];
let resources: Record<string, Record<string, unknown>>;
let replies: Array<{ status: number; body: string }>;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const answer = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    const reply = replies.shift();
    if (reply) return res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    const path = req.url ?? '';
    const expected = path.startsWith('/v2-beta/')
      ? `Basic ${Buffer.from(`${ACCESS_KEY}:${SECRET_KEY}`).toString('base64')}`
      : `Bearer ${TOKEN}`;
    if (req.headers.authorization !== expected) return answer(401, { type: 'error', status: 401, code: 'Unauthorized', message: 'Unauthorized' });
    const resource = resources[path];
    if (!resource) return answer(404, { baseType: 'error', type: 'error', status: 404, code: 'NotFound', message: `${path.split('/').pop()} not found` });
    if (req.method === 'PUT') Object.assign(resource, JSON.parse(body));
    return answer(200, resource);
  });
  base = await listenOnLoopback(server);
});

afterAll(() => stopServer(server));

beforeEach(() => {
  received = [];
  replies = [];
  resources = { [CATTLE_PATH]: cattleService(2), [WORKLOAD_PATH]: workload(3) };
});

const context: ProviderContext = { resolveSecret: (reference) => resolveSecret(reference), guard: { localStack: true } };

const generations = [
  {
    generation: '1.6',
    target: { projectId: '1a5', serviceId: '1s12', credentials: 'env:TIDE_TEST_RANCHER16_KEY' },
    path: CATTLE_PATH,
    authorization: `Basic ${Buffer.from(`${ACCESS_KEY}:${SECRET_KEY}`).toString('base64')}`,
    replicas: 2,
  },
  {
    generation: '2.x',
    target: { project: 'c-abc12:p-xyz34', workload: 'deployment:default:web', credentials: 'env:TIDE_TEST_RANCHER2_TOKEN' },
    path: WORKLOAD_PATH,
    authorization: `Bearer ${TOKEN}`,
    replicas: 3,
  },
];

function provider(target: Record<string, unknown>) {
  return rancher(rancherTarget.parse({ provider: 'rancher', url: base, ...target }), context);
}

const request: ScaleRequest = { namespace: 'default', service: 'web', from: 2, to: 6, trigger: 'webhook', reason: 'scale up', ts: 0 };

describe.each(generations)('Rancher $generation', ({ target, path, authorization, replicas }) => {
  it('reads the scale with GET, authenticated from the secret', async () => {
    expect(await provider(target).readReplicas()).toBe(replicas);
    expect(received).toMatchObject([{ method: 'GET', url: path, headers: { authorization, accept: 'application/json', 'user-agent': 'tide' } }]);
  });

  it('scales with a PUT of {"scale": N}', async () => {
    await provider(target).setReplicas(request);
    expect(received).toMatchObject([{ method: 'PUT', url: path, headers: { authorization, 'content-type': 'application/json' } }]);
    expect(JSON.parse(received[0]!.body)).toEqual({ scale: 6 });
    expect(await provider(target).readReplicas()).toBe(6);
  });

  it('drops a trailing slash from the url', async () => {
    await provider({ ...target, url: `${base}/` }).readReplicas();
    expect(received[0]?.url).toBe(path);
  });

  it("fails with Rancher's error code and message, and no secret", async () => {
    replies.push({ status: 422, body: JSON.stringify({ type: 'error', status: 422, code: 'InvalidFormat', message: 'scale must be >= 0', fieldName: 'scale' }) });
    const failure = await provider(target).setReplicas(request).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as Error).message).toBe(`rancher scale failed: PUT ${path} on ${base} answered 422 InvalidFormat (scale must be >= 0)`);
    expect((failure as Error).message).not.toMatch(/do-not-leak/);
  });

  it('fails on an answer without a scale', async () => {
    replies.push({ status: 200, body: '{"type": "collection", "data": []}' });
    await expect(provider(target).readReplicas()).rejects.toThrow(new ProviderError('rancher', 'read', `GET ${path} on ${base} answered without a scale`));
  });

  it('fails, naming the reference, when the secret is not a key pair', async () => {
    await expect(provider({ ...target, credentials: 'env:TIDE_TEST_RANCHER_NO_COLON' }).readReplicas()).rejects.toThrow(
      /^rancher read failed: env:TIDE_TEST_RANCHER_NO_COLON must hold an API (key as accessKey:secretKey|token as token-xxxxx:yyyy)$/,
    );
    expect(received).toEqual([]);
  });

  it('fails when the secret is not set', async () => {
    await expect(provider({ ...target, credentials: 'env:TIDE_TEST_RANCHER_UNSET' }).readReplicas()).rejects.toThrow(
      /^rancher read failed: cannot read the API (key|token) from env:TIDE_TEST_RANCHER_UNSET: secret env:TIDE_TEST_RANCHER_UNSET is not set$/,
    );
  });

  it('fails when nothing listens', async () => {
    const url = await closedPortUrl();
    await expect(provider({ ...target, url }).setReplicas(request)).rejects.toThrow(
      new ProviderError('rancher', 'scale', `PUT ${path} on ${url} did not answer: ECONNREFUSED`),
    );
  });
});

describe('Rancher 1.6 specifics', () => {
  const target = generations[0]!.target;

  it('refuses the wrong API key with Unauthorized', async () => {
    process.env.TIDE_TEST_RANCHER16_OTHER_KEY = 'OTHERKEY:other-secret';
    await expect(provider({ ...target, credentials: 'env:TIDE_TEST_RANCHER16_OTHER_KEY' }).readReplicas()).rejects.toThrow(
      new ProviderError('rancher', 'read', `GET ${CATTLE_PATH} on ${base} answered 401 Unauthorized (Unauthorized)`),
    );
  });

  it('refuses a global service, whose scale Cattle ignores', async () => {
    resources[CATTLE_PATH] = cattleService(1, { 'io.rancher.scheduler.global': 'true' });
    await expect(provider(target).readReplicas()).rejects.toThrow(
      new ProviderError('rancher', 'read', 'service 1s12 is global: global services cannot be scaled'),
    );
  });

  it('names a service Rancher does not know', async () => {
    await expect(provider({ ...target, serviceId: '1s99' }).readReplicas()).rejects.toThrow(
      new ProviderError('rancher', 'read', `GET /v2-beta/projects/1a5/services/1s99 on ${base} answered 404 NotFound (1s99 not found)`),
    );
  });
});

describe('rancherTarget', () => {
  function problems(input: Record<string, unknown>): string[] {
    return problemLines(rancherTarget, { provider: 'rancher', url: 'https://rancher.example', ...input });
  }

  it('tells 1.6 from 2.x by their fields and fills in the timeout', () => {
    expect(rancherTarget.parse({ provider: 'rancher', url: 'http://rancher:8080', projectId: '1a5', serviceId: '1s12', credentials: 'ssm:/tide/rancher' })).toEqual({
      provider: 'rancher',
      url: 'http://rancher:8080',
      projectId: '1a5',
      serviceId: '1s12',
      credentials: 'ssm:/tide/rancher',
      timeout: '10s',
    });
    const current = { provider: 'rancher', url: 'https://rancher.example', project: 'local:p-xyz34', workload: 'statefulset:db:pg', credentials: 'env:T', timeout: '3s' };
    expect(rancherTarget.parse(current)).toEqual(current);
  });

  it.each([
    {
      name: 'neither generation',
      input: { credentials: 'env:T' },
      problems: [': must name projectId and serviceId (Rancher 1.6) or project and workload (Rancher 2.x)'],
    },
    { name: '1.6 without serviceId', input: { projectId: '1a5', credentials: 'env:T' }, problems: ['serviceId: is required for Rancher 1.6, with projectId and serviceId'] },
    { name: '2.x without project', input: { workload: 'deployment:default:web', credentials: 'env:T' }, problems: ['project: is required for Rancher 2.x, with project and workload'] },
    {
      name: 'both generations',
      input: { projectId: '1a5', serviceId: '1s12', project: 'local:p-xyz34', workload: 'deployment:default:web', credentials: 'env:T' },
      problems: [': must name either projectId and serviceId (Rancher 1.6) or project and workload (Rancher 2.x), not both'],
    },
    { name: '1.6 without credentials', input: { projectId: '1a5', serviceId: '1s12' }, problems: ['credentials: must name the secret holding the API key (accessKey:secretKey)'] },
    {
      name: '2.x without credentials',
      input: { project: 'local:p-xyz34', workload: 'deployment:default:web' },
      problems: ['credentials: must name the secret holding the API token (token-xxxxx:yyyy)'],
    },
    {
      name: 'a literal token',
      input: { project: 'local:p-xyz34', workload: 'deployment:default:web', credentials: TOKEN },
      problems: ['credentials: must name a secret as ssm:/path, secretsmanager:name or env:NAME'],
    },
    {
      name: 'a daemon set',
      input: { project: 'local:p-xyz34', workload: 'daemonset:kube-system:agent', credentials: 'env:T' },
      problems: [
        'workload: must be a scalable Rancher 2.x workload ID: deployment:<namespace>:<name>, statefulset:…, replicaset:… or replicationcontroller:…',
      ],
    },
    { name: 'a 1.6 project name', input: { projectId: 'Default', serviceId: '1s12', credentials: 'env:T' }, problems: ['projectId: must be a Rancher 1.6 environment ID such as 1a5'] },
    { name: 'a 2.x project without its cluster', input: { project: 'p-xyz34', workload: 'deployment:a:b', credentials: 'env:T' }, problems: ['project: must be a Rancher 2.x project ID such as c-abc12:p-xyz34'] },
    {
      name: 'a key in the url',
      input: { url: 'https://rancher.example/?key=abc', projectId: '1a5', serviceId: '1s12', credentials: 'env:T' },
      problems: ['url: must carry no user, password or query; name the API key in credentials'],
    },
    { name: 'no url', input: { url: undefined, projectId: '1a5', serviceId: '1s12', credentials: 'env:T' }, problems: ['url: must be the Rancher server as an http:// or https:// URL'] },
  ])('refuses $name', ({ input, problems: expected }) => {
    expect(problems(input)).toEqual(expected);
  });
});
