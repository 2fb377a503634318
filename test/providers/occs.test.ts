import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { occs, occsTarget } from '../../lib/providers/occs';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { targetSchema } from '../../lib/providers/registry';
import { resolveSecret } from '../../lib/secrets';
import { startRestPlatform } from '../support/fakeRestPlatform';
import { closedPortUrl } from '../support/loopback';
import { problemLines } from '../support/problems';

const TOKEN = '0829416b6aedfdd9aa50f5eff0e58e8faa4768c4a507bbc04a58b039fd61dc19';
process.env.TIDE_TEST_OCCS_TOKEN = TOKEN;

const DEPLOYMENT_ID = 'cncustompoc-20171011-151456';
const PATH = `/api/v2/deployments/${DEPLOYMENT_ID}`;

/** The seed's deployment document, its stack's YAML cut short. */
function seedDeployment() {
  return {
    deployment_id: DEPLOYMENT_ID,
    placement: { pool_id: 'default' },
    created_by: 'admin',
    created_on: '2017-10-11T07:15:00Z',
    stack: {
      service_id: 'cncustompoc',
      service_name: 'cncustompoc',
      subtype: 'stack',
      content: "version: 2\nservices:\n  gateway:\n    image: 'cncustompoc-gateway:latest'\n",
    },
    creation_info_generation: 14,
    deployment_name: 'cncustompoc',
    quantities: { 'auth-service': 1, gateway: 1, 'cncustom-config': 1 },
    desired_state: 0,
    desired_state_changed_at: '2017-10-12T16:27:20.212571617Z',
    generation: 41,
    current_state: 0,
    pending_state: 0,
  };
}

let deployment = seedDeployment();
let platform: Awaited<ReturnType<typeof startRestPlatform>>;

beforeAll(async () => {
  // The manager node: the deployment document behind a bearer token.
  platform = await startRestPlatform(({ method, url, headers, body }) => {
    if (headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, body: [{ message: 'Unauthorized' }] };
    if (url !== PATH) return undefined;
    if (method === 'GET') return { status: 200, body: { deployment } };
    if (method === 'PUT') {
      deployment = { ...deployment, ...(body as object), generation: deployment.generation + 1 };
      return { status: 200, body: { deployment } };
    }
    return undefined;
  });
});

afterAll(() => platform.close());

beforeEach(() => {
  deployment = seedDeployment();
  platform.received.length = 0;
  platform.failNext.length = 0;
});

const context: ProviderContext = { resolveSecret: (reference) => resolveSecret(reference), now: () => 0 };

function provider(target: Record<string, unknown> = {}) {
  return occs.create(
    occsTarget.parse({ provider: 'occs', url: platform.url, deploymentId: DEPLOYMENT_ID, serviceName: 'gateway', credentials: 'env:TIDE_TEST_OCCS_TOKEN', ...target }),
    context,
  );
}

const request: ScaleRequest = { namespace: 'default', service: 'gateway', from: 1, to: 3, trigger: 'policy', reason: 'cpu_ratio mean 83.1 > 70 for 10m', ts: 0 };

describe('Method: readReplicas', () => {
  it("reads the service's quantity from GET /api/v2/deployments/{id} with the bearer token", async () => {
    deployment.quantities.gateway = 4;
    expect(await provider().readReplicas()).toBe(4);
    expect(platform.received).toMatchObject([{ method: 'GET', url: PATH, headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } }]);
  });

  it('keeps a path prefix in the url, for a manager behind a proxy', async () => {
    await provider({ url: `${platform.url}/occs/` }).readReplicas().catch(() => undefined);
    expect(platform.received[0]?.url).toBe(`/occs${PATH}`);
  });

  it('fails, listing the services, when the deployment does not run the service', async () => {
    await expect(provider({ serviceName: 'gatewy' }).readReplicas()).rejects.toThrow(
      new ProviderError('occs', 'read', `deployment ${DEPLOYMENT_ID} has no service gatewy (its services: auth-service, cncustom-config, gateway)`),
    );
  });

  it("fails, naming the status and the platform's words, when the manager refuses", async () => {
    platform.failNext.push({ status: 404, body: [{ message: 'deployment not found' }] });
    await expect(provider().readReplicas()).rejects.toThrow(
      new ProviderError('occs', 'read', `GET ${platform.url}${PATH} answered 404 Not Found ([{"message":"deployment not found"}])`),
    );
  });

  it('fails when the answer has no quantities', async () => {
    platform.failNext.push({ status: 200, body: { deployments: [] } });
    await expect(provider().readReplicas()).rejects.toThrow(/occs read failed: GET .* answered without a deployment's quantities/);
  });

  it('fails when nothing listens', async () => {
    const url = await closedPortUrl();
    await expect(provider({ url }).readReplicas()).rejects.toThrow(new ProviderError('occs', 'read', `GET ${url}${PATH} did not answer: ECONNREFUSED`));
  });

  it('fails, naming the reference, when the token is not set, and calls nothing', async () => {
    await expect(provider({ credentials: 'env:TIDE_TEST_UNSET_TOKEN' }).readReplicas()).rejects.toThrow(
      /^occs read failed: cannot read the API token from env:TIDE_TEST_UNSET_TOKEN/,
    );
    expect(platform.received).toEqual([]);
  });
});

describe('Method: setReplicas', () => {
  it('PUTs the deployment back with only the service’s quantity changed', async () => {
    await provider().setReplicas(request);
    const [read, put] = platform.received;
    expect(read).toMatchObject({ method: 'GET', url: PATH });
    expect(put).toMatchObject({ method: 'PUT', url: PATH, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
    const seed = seedDeployment();
    expect(put?.body).toEqual({
      deployment_id: DEPLOYMENT_ID,
      deployment_name: 'cncustompoc',
      desired_state: 0,
      placement: { pool_id: 'default' },
      stack: seed.stack,
      quantities: { 'auth-service': 1, gateway: 3, 'cncustom-config': 1 },
    });
    expect(await provider().readReplicas()).toBe(3);
  });

  it('changes nothing when the deployment does not run the service', async () => {
    await expect(provider({ serviceName: 'gatewy' }).setReplicas(request)).rejects.toThrow(/^occs scale failed: deployment .* has no service gatewy/);
    expect(platform.received.map((r) => r.method)).toEqual(['GET']);
  });

  it('fails with the status and body of a refused PUT, never the token', async () => {
    platform.failNext.push({ status: 200, body: { deployment } }, { status: 409, body: [{ message: 'deployment is being updated' }] });
    const failure = await provider().setReplicas(request).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as Error).message).toBe(`occs scale failed: PUT ${platform.url}${PATH} answered 409 Conflict ([{"message":"deployment is being updated"}])`);
    expect((failure as Error).message).not.toContain(TOKEN);
  });

  it('fails when the token is refused', async () => {
    process.env.TIDE_TEST_OCCS_OLD_TOKEN = 'an-expired-token';
    await expect(provider({ credentials: 'env:TIDE_TEST_OCCS_OLD_TOKEN' }).setReplicas(request)).rejects.toThrow(
      new ProviderError('occs', 'scale', `GET ${platform.url}${PATH} answered 401 Unauthorized ([{"message":"Unauthorized"}])`),
    );
  });

  it('fails when nothing listens', async () => {
    const url = await closedPortUrl();
    await expect(provider({ url }).setReplicas(request)).rejects.toThrow(new ProviderError('occs', 'scale', `GET ${url}${PATH} did not answer: ECONNREFUSED`));
  });
});

describe('Target: occs', () => {
  const valid = { provider: 'occs', url: 'https://140.86.1.119', deploymentId: 'Redis-20170923-175443', serviceName: 'redis', credentials: 'ssm:/tide/occs-token' };

  function problems(input: unknown): string[] {
    return problemLines(targetSchema, input);
  }

  it('accepts the SPEC.md fields', () => {
    expect(targetSchema.parse(valid)).toEqual(valid);
  });

  it.each([
    { name: 'no url', input: { ...valid, url: undefined }, problems: ['url: must be an http:// or https:// URL'] },
    { name: 'a url with a password', input: { ...valid, url: 'https://admin:Welcome1@140.86.1.119' }, problems: ['url: must not carry a user or password; name the secret in credentials'] },
    { name: 'a url with a query', input: { ...valid, url: 'https://140.86.1.119/?x=1' }, problems: ['url: must not carry a query or fragment; Tide appends the API path'] },
    {
      name: 'a deployment id with a slash',
      input: { ...valid, deploymentId: 'Redis/1' },
      problems: ['deploymentId: must be a name such as "Redis-20170923-175443", without "/", "?", "#" or spaces'],
    },
    { name: 'an empty service name', input: { ...valid, serviceName: '' }, problems: ['serviceName: must name a service of the deployment, such as "redis"'] },
    { name: 'no credentials', input: { ...valid, credentials: undefined }, problems: ['credentials: must be a string'] },
    { name: 'a literal token', input: { ...valid, credentials: TOKEN }, problems: ['credentials: must name a secret as ssm:/path, secretsmanager:name or env:NAME'] },
  ])('refuses $name', ({ input, problems: expected }) => {
    expect(problems(input)).toEqual(expected);
  });
});
