import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import { ValidationError } from '../../lib/errors';
import { scrub } from '../../lib/providers/messages';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { concealingSecrets, createProvider } from '../../lib/providers/registry';
import { targetSchema, type PlatformTarget } from '../../lib/targets/schema';
import { isInScope, resolvePlatformSecret, SecretUnavailableError, type SecretScope } from '../../lib/secrets';
import { parseServiceDocument } from '../../lib/services/schema';
import { listenOnLoopback, stopServer } from '../support/loopback';

const PROD: SecretScope = { stage: 'prod', localStack: false };
const LOCAL: SecretScope = { stage: 'local', localStack: true };

describe('Function: isInScope', () => {
  it.each([
    { name: "an SSM parameter under the stage's platform prefix", reference: 'ssm:/tide/prod/platform/alauda-token', scope: PROD },
    { name: 'a deeper SSM parameter', reference: 'ssm:/tide/prod/platform/k8s/shop/token', scope: PROD },
    { name: "a Secrets Manager secret under the stage's platform prefix", reference: 'secretsmanager:tide/prod/platform/occs-login', scope: PROD },
    { name: 'an env: secret on the local stack', reference: 'env:SCALE_HOOK_SECRET', scope: LOCAL },
  ])('allows $name', ({ reference, scope }) => {
    expect(isInScope(reference, scope)).toBe(true);
  });

  it.each([
    { name: 'the admin token', reference: 'ssm:/tide/prod/admin-token', scope: PROD },
    { name: "another stage's platform secret", reference: 'ssm:/tide/dev/platform/alauda-token', scope: PROD },
    { name: 'the old, unscoped kind of name', reference: 'ssm:/tide/alauda-token', scope: PROD },
    { name: 'a path that climbs out of the prefix', reference: 'ssm:/tide/prod/platform/../admin-token', scope: PROD },
    { name: 'the prefix alone', reference: 'secretsmanager:tide/prod/platform/', scope: PROD },
    { name: 'a Secrets Manager secret of another application', reference: 'secretsmanager:billing/db-password', scope: PROD },
    { name: 'an env: secret when deployed', reference: 'env:SCALE_HOOK_SECRET', scope: PROD },
    { name: 'the admin token on the local stack', reference: 'env:TIDE_ADMIN_TOKEN', scope: LOCAL },
    { name: "the function's AWS credentials on the local stack", reference: 'env:AWS_SECRET_ACCESS_KEY', scope: LOCAL },
  ])('refuses $name', ({ reference, scope }) => {
    expect(isInScope(reference, scope)).toBe(false);
  });

  it('refuses to resolve a reference outside the scope, naming the rule', async () => {
    process.env.TIDE_TEST_SCOPED_SECRET = 'never-read';
    await expect(resolvePlatformSecret('env:TIDE_TEST_SCOPED_SECRET', PROD)).rejects.toThrow(
      new SecretUnavailableError(
        'env:TIDE_TEST_SCOPED_SECRET is not a platform secret of this deployment: a target must name a secret under ssm:/tide/prod/platform/ or secretsmanager:tide/prod/platform/ (env: only on the local stack)',
      ),
    );
    expect(await resolvePlatformSecret('env:TIDE_TEST_SCOPED_SECRET', LOCAL)).toBe('never-read');
  });
});

describe('Function: parseServiceDocument, deployed (stage prod)', () => {
  const settings = { ...loadConfig(), ...PROD };
  const body = (target: Record<string, unknown>) => ({ mode: 'manual', min: 1, max: 3, target });
  const problems = (target: Record<string, unknown>) => {
    try {
      parseServiceDocument(body(target), 'web', 'default', settings);
      return [];
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return error.details ?? [];
    }
  };
  const rule = 'must name a secret under ssm:/tide/prod/platform/ or secretsmanager:tide/prod/platform/ (env: only on the local stack)';

  it('accepts credentials under the platform prefix', () => {
    expect(problems({ provider: 'alauda', url: 'https://api.alauda.cn', namespace: 'madams', serviceName: 'test', credentials: 'ssm:/tide/prod/platform/alauda-token' })).toEqual([]);
  });

  it.each([
    { name: 'credentials outside the prefix', target: { provider: 'alauda', url: 'https://api.alauda.cn', namespace: 'm', serviceName: 't', credentials: 'ssm:/tide/prod/admin-token' }, path: 'target.credentials', message: rule },
    { name: 'an env: credential', target: { provider: 'http', url: 'https://ops.example/scale', credentials: 'env:TIDE_ADMIN_TOKEN' }, path: 'target.credentials', message: rule },
    {
      name: 'a CA certificate outside the prefix',
      target: { provider: 'kubernetes', apiServer: 'https://k8s.example', namespace: 'shop', kind: 'Deployment', name: 'web', credentials: 'ssm:/tide/prod/platform/k8s', caCertificate: 'ssm:/tide/k8s-ca' },
      path: 'target.caCertificate',
      message: rule,
    },
    {
      name: 'a URL at the metadata address',
      target: { provider: 'http', url: 'http://169.254.169.254/latest/meta-data/' },
      path: 'target.url',
      message: 'must not point where Tide does not connect: 169.254.169.254 is a link-local address, where cloud metadata services answer',
    },
    {
      name: 'a URL on loopback',
      target: { provider: 'kubernetes', apiServer: 'http://127.0.0.1:8001', namespace: 'shop', kind: 'Deployment', name: 'web', credentials: 'ssm:/tide/prod/platform/k8s' },
      path: 'target.apiServer',
      message: 'must not point where Tide does not connect: 127.0.0.1 is a loopback address, reachable only on the local stack',
    },
  ])('refuses $name, naming the field', ({ target, path, message }) => {
    expect(problems(target)).toEqual([{ path, message }]);
  });
});

describe('Function: scrub', () => {
  it.each([
    { name: 'as it is', text: 'echo: Token s3cret-value', secret: 's3cret-value' },
    { name: 'base64, as in a Basic header', text: `echo: Basic ${Buffer.from('ak:s3cret').toString('base64')}`, secret: 'ak:s3cret' },
    { name: 'JSON-escaped', text: String.raw`{"echo":"line1\nline2"}`, secret: 'line1\nline2' },
    { name: 'URL-encoded', text: 'GET /x?t=a%2Fb%3Dc', secret: 'a/b=c' },
    { name: 'trimmed', text: 'Bearer k8s-token', secret: 'k8s-token\n' },
    { name: "a login's password", text: 'bad password hunter22', secret: '{"username":"admin","password":"hunter22"}' },
  ])('removes a secret $name', ({ text, secret }) => {
    expect(scrub(text, [secret])).toContain('REDACTED');
    expect(scrub(text, [secret])).not.toMatch(/s3cret|line1|a%2Fb|k8s-token|hunter22/);
  });

  it("keeps a login's user name, which messages name", () => {
    expect(scrub('the manager refused the user admin', ['{"username":"admin","password":"hunter22"}'])).toBe('the manager refused the user admin');
  });
});

describe('Function: createProvider, with a platform that echoes what it was sent', () => {
  // Long enough that a cut excerpt would keep part of it, were it scrubbed only after the cut.
  const SECRET = `probe-access-key:probe-secret-${'0123456789'.repeat(6)}`;
  const BASE64 = Buffer.from(SECRET).toString('base64');
  let server: Server;
  let base: string;

  beforeAll(async () => {
    // Refuses every call, quoting the Authorization header back, in a Kubernetes Status when asked for one.
    server = createServer((req, res) => {
      const authorization = req.headers.authorization ?? '';
      // The http target's hook never receives the secret, but knows it: this one prints it when a signature is wrong.
      const body = req.url?.startsWith('/apis/')
        ? { kind: 'Status', reason: 'Forbidden', message: `token ${authorization} may not scale` }
        : req.url === '/hook'
          ? { error: `bad signature, expected HMAC with ${SECRET}` }
          : { error: 'denied', echo: authorization, message: `you sent ${authorization}` };
      res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    base = await listenOnLoopback(server);
  });

  afterAll(() => stopServer(server));

  const context: ProviderContext = { resolveSecret: async () => SECRET, guard: { localStack: true } };
  const request: ScaleRequest = { namespace: 'default', service: 'web', from: 1, to: 2, trigger: 'manual', reason: 'probe', ts: 0 };

  it.each([
    { name: 'alauda (Token)', target: () => ({ provider: 'alauda', url: base, namespace: 'madams', serviceName: 'test', credentials: 'env:T' }) },
    { name: 'occs (Bearer)', target: () => ({ provider: 'occs', url: base, deploymentId: 'd1', serviceName: 'redis', credentials: 'env:T' }) },
    { name: 'rancher 1.6 (Basic)', target: () => ({ provider: 'rancher', url: base, projectId: '1a5', serviceId: '1s12', credentials: 'env:T' }) },
    { name: 'rancher 2.x (Bearer)', target: () => ({ provider: 'rancher', url: base, project: 'c-abc12:p-xyz34', workload: 'deployment:default:web', credentials: 'env:T' }) },
    { name: 'kubernetes (a Status message)', target: () => ({ provider: 'kubernetes', apiServer: base, namespace: 'shop', kind: 'Deployment', name: 'web', credentials: 'env:T' }) },
    { name: 'http (a hook that prints the secret it expected)', target: () => ({ provider: 'http', url: `${base}/hook`, credentials: 'env:T' }) },
  ])('$name: the failure shows no part of the secret', async ({ target }) => {
    const failure = await createProvider(targetSchema.parse(target()) as PlatformTarget, context)
      .setReplicas(request)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    const message = (failure as Error).message;
    expect(message).toMatch(/answered 403/);
    expect(message).toContain('REDACTED');
    for (const part of [SECRET, SECRET.slice(0, 12), SECRET.slice(-12), BASE64.slice(0, 12), BASE64.slice(-12)]) expect(message).not.toContain(part);
  });
});

describe('Function: concealingSecrets', () => {
  it('scrubs every secret the provider resolved from what it throws, causes included', async () => {
    const context: ProviderContext = { resolveSecret: async (reference) => `value-of-${reference}`, guard: { localStack: true } };
    const provider = concealingSecrets(
      (inner) => ({
        readReplicas: async () => {
          const secret = await inner.resolveSecret('env:A');
          throw new ProviderError('test', 'read', `the platform said: ${secret}`, { cause: new Error(`inner ${Buffer.from(secret).toString('base64')}`) });
        },
        setReplicas: async () => undefined,
      }),
      context,
    );
    const failure = (await provider.readReplicas().catch((error: unknown) => error)) as ProviderError;
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure.message).toBe('test read failed: the platform said: REDACTED');
    expect((failure.cause as Error).message).toBe('inner REDACTED');
    expect(failure.stack).not.toContain('value-of-env:A');
  });
});
