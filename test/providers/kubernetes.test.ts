import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { kubernetes } from '../../lib/providers/kubernetes';
import { kubernetesTarget } from '../../lib/targets/kubernetes';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { resolveSecret } from '../../lib/secrets';
import { startFakeKubernetes } from '../support/fakeKubernetes';
import { closedPortUrl } from '../support/loopback';
import { problemLines } from '../support/problems';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.service-account-token-do-not-leak';
process.env.TIDE_TEST_K8S_TOKEN = `${TOKEN}\n`; // as read from a token file, newline included
const WORKLOADS = { 'shop/deployments/web': 3, 'shop/statefulsets/db': 0 };

let fake: Awaited<ReturnType<typeof startFakeKubernetes>>;

beforeAll(async () => {
  fake = await startFakeKubernetes({ token: TOKEN, workloads: WORKLOADS });
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.state.calls.length = 0;
  fake.state.workloads = new Map(Object.entries(WORKLOADS));
});

const context: ProviderContext = { resolveSecret: (reference) => resolveSecret(reference), guard: { localStack: true } };

function provider(target: Record<string, unknown> = {}) {
  const parsed = kubernetesTarget.parse({
    provider: 'kubernetes',
    apiServer: fake.url,
    namespace: 'shop',
    kind: 'Deployment',
    name: 'web',
    credentials: 'env:TIDE_TEST_K8S_TOKEN',
    ...target,
  });
  return kubernetes(parsed, context);
}

const request: ScaleRequest = { namespace: 'default', service: 'web', from: 3, to: 5, trigger: 'policy', reason: 'cpu_ratio mean 83.1 > 70 for 10m', ts: 0 };

describe('Method: readReplicas', () => {
  it("reads spec.replicas from the Deployment's scale subresource, with the bearer token", async () => {
    expect(await provider().readReplicas()).toBe(3);
    expect(fake.state.calls).toMatchObject([
      { method: 'GET', url: '/apis/apps/v1/namespaces/shop/deployments/web/scale', headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/json' } },
    ]);
  });

  it('reads a StatefulSet at 0, whose Scale leaves spec.replicas out', async () => {
    expect(await provider({ kind: 'StatefulSet', name: 'db' }).readReplicas()).toBe(0);
    expect(fake.state.calls[0]?.url).toBe('/apis/apps/v1/namespaces/shop/statefulsets/db/scale');
  });

  it('keeps a path prefix in apiServer, as behind a proxy', async () => {
    await provider({ apiServer: `${fake.url}/k8s/clusters/c-m-4x7` }).readReplicas().catch(() => undefined);
    expect(fake.state.calls[0]?.url).toBe('/k8s/clusters/c-m-4x7/apis/apps/v1/namespaces/shop/deployments/web/scale');
  });

  it("puts the API's Status reason and message in the error", async () => {
    await expect(provider({ name: 'nope' }).readReplicas()).rejects.toThrow(
      new ProviderError('kubernetes', 'read', `GET ${fake.url}/apis/apps/v1/namespaces/shop/deployments/nope/scale answered 404 NotFound: deployments.apps "nope" not found`),
    );
  });

  it('fails on a refused token without showing it', async () => {
    process.env.TIDE_TEST_K8S_WRONG = 'wrong-token-do-not-leak';
    const failure = await provider({ credentials: 'env:TIDE_TEST_K8S_WRONG' })
      .readReplicas()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as Error).message).toMatch(/answered 401 Unauthorized: Unauthorized$/);
    expect((failure as Error).message).not.toContain('wrong-token-do-not-leak');
  });

  it('fails, naming the reference, when the token is not set', async () => {
    await expect(provider({ credentials: 'env:TIDE_TEST_K8S_UNSET' }).readReplicas()).rejects.toThrow(/kubernetes read failed: cannot read the bearer token from env:TIDE_TEST_K8S_UNSET/);
    expect(fake.state.calls).toEqual([]);
  });

  it('fails when nothing listens', async () => {
    const url = await closedPortUrl();
    await expect(provider({ apiServer: url }).readReplicas()).rejects.toThrow(
      new ProviderError('kubernetes', 'read', `GET ${url}/apis/apps/v1/namespaces/shop/deployments/web/scale did not answer: ECONNREFUSED`),
    );
  });
});

describe('Method: setReplicas', () => {
  it('merge-patches spec.replicas on the scale subresource', async () => {
    await provider().setReplicas(request);
    expect(fake.state.calls).toMatchObject([
      {
        method: 'PATCH',
        url: '/apis/apps/v1/namespaces/shop/deployments/web/scale',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/merge-patch+json' },
      },
    ]);
    expect(JSON.parse(fake.state.calls[0]!.body)).toEqual({ spec: { replicas: 5 } });
    expect(fake.state.workloads.get('shop/deployments/web')).toBe(5);
  });

  it("puts the API's Status in the error", async () => {
    await expect(provider({ kind: 'StatefulSet', name: 'nope' }).setReplicas(request)).rejects.toThrow(
      new ProviderError('kubernetes', 'scale', `PATCH ${fake.url}/apis/apps/v1/namespaces/shop/statefulsets/nope/scale answered 404 NotFound: statefulsets.apps "nope" not found`),
    );
  });
});

describe('TLS', () => {
  let dir: string;
  let tlsFake: Awaited<ReturnType<typeof startFakeKubernetes>>;

  beforeAll(async () => {
    // A CA and a server certificate for 127.0.0.1 it signed, as a cluster's own CA does.
    dir = mkdtempSync(join(tmpdir(), 'tide-k8s-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca');
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName = IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
    tlsFake = await startFakeKubernetes({
      token: TOKEN,
      workloads: WORKLOADS,
      tls: { key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') },
    });
    process.env.TIDE_TEST_K8S_CA = readFileSync(join(dir, 'ca.pem'), 'utf8');
  });

  afterAll(async () => {
    await tlsFake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the API server with the CA from caCertificate', async () => {
    expect(await provider({ apiServer: tlsFake.url, caCertificate: 'env:TIDE_TEST_K8S_CA' }).readReplicas()).toBe(3);
  });

  it('refuses an API server whose certificate no trusted CA signed', async () => {
    tlsFake.state.calls.length = 0;
    const failure = await provider({ apiServer: tlsFake.url })
      .readReplicas()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as Error).message).toBe(
      `kubernetes read failed: GET ${tlsFake.url}/apis/apps/v1/namespaces/shop/deployments/web/scale has a TLS certificate Tide does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE): name a secret holding the CA that signed it in caCertificate`,
    );
    expect(tlsFake.state.calls).toEqual([]);
  });
});

describe('kubernetesTarget', () => {
  function problems(input: Record<string, unknown>): string[] {
    const base = { provider: 'kubernetes', apiServer: 'https://k8s.example:6443', namespace: 'shop', kind: 'Deployment', name: 'web', credentials: 'ssm:/tide/k8s-token' };
    return problemLines(kubernetesTarget, { ...base, ...input });
  }

  it('fills in insecureSkipTlsVerify', () => {
    expect(kubernetesTarget.parse({ provider: 'kubernetes', apiServer: 'https://k8s.example', namespace: 'shop', kind: 'StatefulSet', name: 'db', credentials: 'env:T' }))
      .toMatchObject({ insecureSkipTlsVerify: false });
  });

  it.each([
    { name: 'plain http to a remote server', input: { apiServer: 'http://k8s.example' }, field: 'apiServer', rule: 'must be an https:// URL of the API server' },
    { name: 'a token in the URL', input: { apiServer: 'https://k8s.example/?token=abc' }, field: 'apiServer', rule: 'must be an https:// URL of the API server' },
    { name: 'an upper-case namespace', input: { namespace: 'Shop' }, field: 'namespace', rule: 'must be a Kubernetes namespace name' },
    { name: 'a name with a slash', input: { name: 'web/scale' }, field: 'name', rule: 'must be a Kubernetes object name' },
    { name: 'another kind', input: { kind: 'DaemonSet' }, field: 'kind', rule: 'must be Deployment or StatefulSet' },
    { name: 'a literal token', input: { credentials: TOKEN }, field: 'credentials', rule: 'must name a secret as ssm:/path, secretsmanager:name or env:NAME' },
    { name: 'no credentials', input: { credentials: undefined }, field: 'credentials', rule: 'must' },
    { name: 'a literal CA', input: { caCertificate: '-----BEGIN CERTIFICATE-----' }, field: 'caCertificate', rule: 'must name a secret' },
    { name: 'skipping TLS checks', input: { insecureSkipTlsVerify: true }, field: 'insecureSkipTlsVerify', rule: 'must be false: Tide will not send its token' },
  ])('refuses $name', ({ input, field, rule }) => {
    const found = problems(input);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${field}: ${rule}`);
  });
});
