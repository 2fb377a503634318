import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { alauda } from '../../lib/providers/alauda';
import { alaudaTarget } from '../../lib/targets/alauda';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { targetSchema } from '../../lib/targets/schema';
import { resolveSecret } from '../../lib/secrets';
import { startRestPlatform } from '../support/fakeRestPlatform';
import { closedPortUrl } from '../support/loopback';
import { problemLines } from '../support/problems';

const TOKEN = 'alauda-api-token-do-not-leak';
process.env.TIDE_TEST_ALAUDA_TOKEN = TOKEN;

const PATH = '/v1/services/madams/test/';

/** The documentation's "获取服务信息" answer for service test of madams. */
function seedService() {
  return {
    unique_name: '1cd688e2-b4eb-4bf8-9113-5caccdec2db6',
    service_name: 'test',
    updated_at: '2015-04-14T09:46:39.457Z',
    target_state: 'STARTED',
    instance_envvars: '{}',
    started_at: null,
    linked_to_apps: '{}',
    stopped_at: null,
    is_deploying: false,
    namespace: 'madams',
    created_by: 'madams',
    autoscaling_config: '{}',
    instance_ports: {},
    linked_to: '{}',
    run_command: '',
    custom_domain_name: 'my-own-domain.cn',
    deployment_preference: '{}',
    scaling_mode: 'MANUAL',
    image_name: 'index.alauda.cn/alauda/ubuntu',
    linked_from_apps: '{}',
    target_num_instances: 1,
    last_autoscaled_at: null,
    current_num_instances: 1,
    linked_from: '{}',
    staged_num_instances: 0,
    started_num_instances: 1,
    instances: [{ instance_name: 'test.0', started_at: '2015-04-14T09:49:56.141Z', uuid: 'dcdaadc3-82a6-4ec1-9baa-58f35713626' }],
    region: { IaaS: 'AWS', name: 'BEIJING1' },
    created_at: '2015-04-14T09:46:39.457Z',
    volumes: [],
    default_domain_name: 'test-madams.alaudacn.me',
    image_tag: 'latest',
    instance_size: 'XS',
    resource_uri: '/api/v1/apps/test',
  };
}

let service = seedService();
let platform: Awaited<ReturnType<typeof startRestPlatform>>;

beforeAll(async () => {
  // Alauda's service API behind a token. The seed documents no error bodies; the fake's are plain JSON.
  platform = await startRestPlatform(({ method, url, headers, body }) => {
    if (headers.authorization !== `Token ${TOKEN}`) return { status: 401, body: { detail: 'Invalid token' } };
    if (url !== PATH) return undefined;
    if (method === 'GET') return { status: 200, body: service };
    if (method === 'PUT') {
      service = { ...service, target_num_instances: (body as { target_num_instances: number }).target_num_instances };
      return { status: 200, body: service };
    }
    return undefined;
  });
});

afterAll(() => platform.close());

beforeEach(() => {
  service = seedService();
  platform.received.length = 0;
  platform.failNext.length = 0;
});

const context: ProviderContext = { resolveSecret: (reference) => resolveSecret(reference), guard: { localStack: true } };

function provider(target: Record<string, unknown> = {}) {
  return alauda(
    alaudaTarget.parse({ provider: 'alauda', url: platform.url, namespace: 'madams', serviceName: 'test', credentials: 'env:TIDE_TEST_ALAUDA_TOKEN', ...target }),
    context,
  );
}

const request: ScaleRequest = { namespace: 'default', service: 'test', from: 1, to: 3, trigger: 'webhook', reason: 'scale-web-up', ts: 0 };

describe('Method: readReplicas', () => {
  it('reads target_num_instances from GET /v1/services/(namespace)/(service_name)/ with the token', async () => {
    service.target_num_instances = 4;
    service.current_num_instances = 2; // still starting: Tide goes by what should run
    expect(await provider().readReplicas()).toBe(4);
    expect(platform.received).toMatchObject([{ method: 'GET', url: PATH, headers: { authorization: `Token ${TOKEN}`, accept: 'application/json' } }]);
  });

  it('encodes the namespace and service name into the path', async () => {
    await provider({ namespace: 'mad%ams', serviceName: 'té' }).readReplicas().catch(() => undefined);
    expect(platform.received[0]?.url).toBe('/v1/services/mad%25ams/t%C3%A9/');
  });

  it("fails, naming the status and the platform's words, when the service does not exist", async () => {
    platform.failNext.push({ status: 404, body: { detail: 'Not found' } });
    await expect(provider().readReplicas()).rejects.toThrow(new ProviderError('alauda', 'read', `GET ${platform.url}${PATH} answered 404 Not Found ({"detail":"Not found"})`));
  });

  it('fails when the answer has no target_num_instances', async () => {
    platform.failNext.push({ status: 200, body: { count: 2, results: [] } });
    await expect(provider().readReplicas()).rejects.toThrow(new ProviderError('alauda', 'read', `GET ${platform.url}${PATH} answered without target_num_instances`));
  });

  it('fails on a body that is not JSON', async () => {
    platform.failNext.push({ status: 200, body: '<html>maintenance</html>' });
    await expect(provider().readReplicas()).rejects.toThrow(/^alauda read failed: GET .* answered 200 with a body that is not JSON \(<html>maintenance<\/html>\)/);
  });

  it('fails when nothing listens', async () => {
    const url = await closedPortUrl();
    await expect(provider({ url }).readReplicas()).rejects.toThrow(new ProviderError('alauda', 'read', `GET ${url}${PATH} did not answer: ECONNREFUSED`));
  });
});

describe('Method: setReplicas', () => {
  it('PUTs {"service_name", "target_num_instances"} to the service', async () => {
    await provider().setReplicas(request);
    expect(platform.received).toMatchObject([
      { method: 'PUT', url: PATH, headers: { authorization: `Token ${TOKEN}`, 'content-type': 'application/json' }, body: { service_name: 'test', target_num_instances: 3 } },
    ]);
    expect(Object.keys(platform.received[0]?.body as object)).toEqual(['service_name', 'target_num_instances']);
    expect(await provider().readReplicas()).toBe(3);
  });

  it('fails when the token is refused, without showing it', async () => {
    process.env.TIDE_TEST_ALAUDA_OLD_TOKEN = 'an-old-token';
    const failure = await provider({ credentials: 'env:TIDE_TEST_ALAUDA_OLD_TOKEN' }).setReplicas(request).catch((error: unknown) => error);
    expect(failure).toEqual(new ProviderError('alauda', 'scale', `PUT ${platform.url}${PATH} answered 401 Unauthorized ({"detail":"Invalid token"})`));
    expect((failure as Error).message).not.toContain('an-old-token');
  });

  it('fails, naming the reference, when the token is not set, and calls nothing', async () => {
    await expect(provider({ credentials: 'env:TIDE_TEST_UNSET_TOKEN' }).setReplicas(request)).rejects.toThrow(
      /^alauda scale failed: cannot read the API token from env:TIDE_TEST_UNSET_TOKEN/,
    );
    expect(platform.received).toEqual([]);
  });

  it('fails when nothing listens', async () => {
    const url = await closedPortUrl();
    await expect(provider({ url }).setReplicas(request)).rejects.toThrow(new ProviderError('alauda', 'scale', `PUT ${url}${PATH} did not answer: ECONNREFUSED`));
  });
});

describe('Target: alauda', () => {
  const valid = { provider: 'alauda', url: 'https://api.alauda.cn', namespace: 'madams', serviceName: 'test', credentials: 'secretsmanager:tide/alauda' };

  function problems(input: unknown): string[] {
    return problemLines(targetSchema, input);
  }

  it('accepts the SPEC.md fields', () => {
    expect(targetSchema.parse(valid)).toEqual(valid);
  });

  it.each([
    { name: 'a url that is not one', input: { ...valid, url: 'api.alauda.cn' }, problems: ['url: must be an http:// or https:// URL'] },
    { name: 'no namespace', input: { ...valid, namespace: undefined }, problems: ['namespace: must be a name such as "madams", without "/", "?", "#" or spaces'] },
    { name: 'a service name with a slash', input: { ...valid, serviceName: 'test/logs' }, problems: ['serviceName: must be a name such as "test", without "/", "?", "#" or spaces'] },
    { name: 'a literal token', input: { ...valid, credentials: TOKEN }, problems: ['credentials: must name a secret as ssm:/path, secretsmanager:name or env:NAME'] },
    { name: 'a misspelt field', input: { ...valid, service: 'test' }, problems: [': Unrecognized key: "service"'] },
  ])('refuses $name', ({ input, problems: expected }) => {
    expect(problems(input)).toEqual(expected);
  });
});
