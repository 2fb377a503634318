import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { occs } from '../../lib/providers/occs';
import { occsTarget } from '../../lib/targets/occs';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { targetSchema } from '../../lib/targets/schema';
import { resolveSecret } from '../../lib/secrets';
import { startRestPlatform } from '../support/fakeRestPlatform';
import { closedPortUrl } from '../support/loopback';
import { problemLines } from '../support/problems';

const TOKEN = '0829416b6aedfdd9aa50f5eff0e58e8faa4768c4a507bbc04a58b039fd61dc19';
process.env.TIDE_TEST_OCCS_TOKEN = TOKEN;

const PASSWORD = 'Welcome1';

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

/** The seed's answer to POST /api/auth: the user, with a session token. */
function seedUser(username: string, token: string) {
  return { id: 100, first_name: '', last_name: '', username, token, type: 0, role: 0, group: '', last_password_reset_date: '0001-01-01T00:00:00Z' };
}

let deployment = seedDeployment();
let platform: Awaited<ReturnType<typeof startRestPlatform>>;
/** Session tokens from /api/auth, and bearer tokens from /api/token that the manager still takes. */
const sessions = new Set<string>();
const bearers = new Set<string>();
/** When set, the manager takes no bearer from a login, even a fresh one. */
let refuseLogins = false;

const newToken = () => randomBytes(32).toString('hex');

beforeAll(async () => {
  // The manager node: any user with PASSWORD logs in; the deployment document behind a bearer token.
  platform = await startRestPlatform(({ method, url, headers, body }) => {
    if (url === '/api/auth' && method === 'POST') {
      const { username, password } = body as { username: string; password: string };
      if (password !== PASSWORD) return { status: 401, body: { message: `invalid password for ${username}: ${password}` } };
      const session = newToken();
      sessions.add(session);
      return { status: 200, body: seedUser(username, session) };
    }
    if (url === '/api/token' && method === 'GET') {
      const session = /^Session (.+)$/.exec(headers.authorization ?? '')?.[1];
      if (session === undefined || !sessions.has(session)) return { status: 401, body: [{ message: 'Unauthorized' }] };
      const bearer = newToken();
      bearers.add(bearer);
      return { status: 200, body: { token: bearer } };
    }
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1] ?? '';
    if (bearer !== TOKEN && (refuseLogins || !bearers.has(bearer))) return { status: 401, body: [{ message: 'Unauthorized' }] };
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
  refuseLogins = false;
  sessions.clear();
  bearers.clear();
});

/** The bearer tokens issued so far expire, as the manager's do. */
function expireBearers() {
  bearers.clear();
}

let logins = 0;

/**
 * A login secret `{"username", "password"}` under a fresh reference, for a user of
 * its own: bearers stay cached per user for the life of the module, as in a warm Lambda.
 */
function loginSecret(password = PASSWORD): { reference: string; username: string } {
  const name = `TIDE_TEST_OCCS_LOGIN_${++logins}`;
  const username = `operator${logins}`;
  process.env[name] = JSON.stringify({ username, password });
  return { reference: `env:${name}`, username };
}

const calls = () => platform.received.map(({ method, url }) => `${method} ${url}`);

const context: ProviderContext = { resolveSecret: (reference) => resolveSecret(reference), guard: { localStack: true } };

function provider(target: Record<string, unknown> = {}) {
  return occs(
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
      /^occs read failed: cannot read the credentials from env:TIDE_TEST_UNSET_TOKEN/,
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

  it('fails when the token is refused, without trying to log in', async () => {
    process.env.TIDE_TEST_OCCS_OLD_TOKEN = 'an-expired-token';
    await expect(provider({ credentials: 'env:TIDE_TEST_OCCS_OLD_TOKEN' }).setReplicas(request)).rejects.toThrow(
      new ProviderError('occs', 'scale', `GET ${platform.url}${PATH} answered 401 Unauthorized ([{"message":"Unauthorized"}])`),
    );
    expect(calls()).toEqual([`GET ${PATH}`]);
  });

  it('fails when nothing listens', async () => {
    const url = await closedPortUrl();
    await expect(provider({ url }).setReplicas(request)).rejects.toThrow(new ProviderError('occs', 'scale', `GET ${url}${PATH} did not answer: ECONNREFUSED`));
  });
});

describe('Login: a secret holding a user and password', () => {
  it('logs in as the seed does, then reads and scales with the bearer token it gets', async () => {
    const { reference, username } = loginSecret();
    await provider({ credentials: reference }).setReplicas(request);
    expect(calls()).toEqual(['POST /api/auth', 'GET /api/token', `GET ${PATH}`, `PUT ${PATH}`]);
    const [session] = sessions;
    const [bearer] = bearers;
    const [auth, token, read, put] = platform.received;
    expect(auth?.body).toEqual({ username, password: PASSWORD });
    expect(auth?.headers.authorization).toBeUndefined();
    expect(token?.headers.authorization).toBe(`Session ${session}`);
    expect(read?.headers.authorization).toBe(`Bearer ${bearer}`);
    expect(put?.headers.authorization).toBe(`Bearer ${bearer}`);
    expect(deployment.quantities.gateway).toBe(3);
  });

  it('logs in once for every call and service on the same manager, even for calls made together', async () => {
    const { reference } = loginSecret();
    await Promise.all([provider({ credentials: reference }).readReplicas(), provider({ credentials: reference, serviceName: 'auth-service' }).readReplicas()]);
    await provider({ credentials: reference }).setReplicas(request);
    expect(calls().filter((call) => call === 'POST /api/auth')).toHaveLength(1);
    expect(calls().filter((call) => call.endsWith(PATH))).toHaveLength(4);
  });

  it('logs in anew, once, when the bearer token has expired, and the call then succeeds', async () => {
    const { reference } = loginSecret();
    await provider({ credentials: reference }).readReplicas();
    expireBearers();
    deployment.quantities.gateway = 5;
    expect(await provider({ credentials: reference }).readReplicas()).toBe(5);
    expect(calls()).toEqual(['POST /api/auth', 'GET /api/token', `GET ${PATH}`, `GET ${PATH}`, 'POST /api/auth', 'GET /api/token', `GET ${PATH}`]);
  });

  it('fails when even the bearer token from a new login is refused', async () => {
    const { reference, username } = loginSecret();
    refuseLogins = true;
    await expect(provider({ credentials: reference }).readReplicas()).rejects.toThrow(
      new ProviderError('occs', 'read', `GET ${platform.url}${PATH} answered 401 Unauthorized ([{"message":"Unauthorized"}]), again after logging in anew as ${username}`),
    );
    expect(calls()).toEqual(['POST /api/auth', 'GET /api/token', `GET ${PATH}`, 'POST /api/auth', 'GET /api/token', `GET ${PATH}`]);
  });

  it('fails, naming the manager and the secret, when the password is refused, and never shows the password', async () => {
    const { reference, username } = loginSecret('Welcome2');
    const failure = await provider({ credentials: reference }).readReplicas().catch((error: unknown) => error);
    expect(failure).toEqual(
      new ProviderError('occs', 'read', `the manager refused the user ${username} and the password in ${reference}: POST ${platform.url}/api/auth answered 401 Unauthorized`),
    );
    expect((failure as Error).message).not.toContain('Welcome2');
    expect(calls()).toEqual(['POST /api/auth']);
    // A refused login is not remembered: the next evaluation tries again.
    await provider({ credentials: reference }).readReplicas().catch(() => undefined);
    expect(calls()).toEqual(['POST /api/auth', 'POST /api/auth']);
  });

  it('fails, naming the reference and not the secret, when the secret is JSON but not a login', async () => {
    process.env.TIDE_TEST_OCCS_BAD_LOGIN = JSON.stringify({ user: 'admin', password: PASSWORD });
    const failure = await provider({ credentials: 'env:TIDE_TEST_OCCS_BAD_LOGIN' }).readReplicas().catch((error: unknown) => error);
    expect(failure).toEqual(
      new ProviderError('occs', 'read', 'env:TIDE_TEST_OCCS_BAD_LOGIN holds JSON but not a login: it needs "username" and "password", both non-empty strings'),
    );
    expect((failure as Error).message).not.toContain(PASSWORD);
    expect(calls()).toEqual([]);
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
