/**
 * A rule reading Prometheus, as an operator meets it through the admin API: the service document
 * a PUT accepts or refuses with the field at fault, and evaluations deciding on the fake's answers
 * (test/support/fakePrometheus.ts), with the value or the reason it has none in each decision.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { prometheusError, serviceOnRequestRate, startFakePrometheus, vector, type FakeAnswer } from '../support/fakePrometheus';
import { httpApiForTests } from '../support/httpApi';
import { expectFieldRefused } from '../support/problems';

const api = httpApiForTests();
let fake: Awaited<ReturnType<typeof startFakePrometheus>>;
let answer: FakeAnswer = vector(450);

beforeAll(async () => {
  fake = await startFakePrometheus(() => answer);
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.state.received.length = 0;
});

const QUERY = 'sum(rate(http_requests_total{service="web"}[2m]))';
process.env.PROM_TOKEN_SERVICE_TEST = 'prom-token-1';

/** 450 requests a second against 50 a replica: 9 replicas. */
const document = (source: Record<string, unknown> = {}, rule: Record<string, unknown> = {}) =>
  serviceOnRequestRate({ type: 'prometheus', url: fake.url, query: QUERY, credential: { bearer: 'env:PROM_TOKEN_SERVICE_TEST' }, ...source }, rule);

describe('a service whose rule reads Prometheus', () => {
  it('is stored with the timeout’s default, and scales on the query’s value at each evaluation', async () => {
    const ns = freshNamespace();
    const put = await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: document() });
    expect(put.status).toBe(201);
    expect(put.body.policy.rules[0].source).toEqual({ type: 'prometheus', url: fake.url, query: QUERY, credential: { bearer: 'env:PROM_TOKEN_SERVICE_TEST' }, timeout: '5s' });

    answer = vector(450);
    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(evaluated.body.decisions[0]).toMatchObject({ status: 'applied', from: 5, to: 9, metrics: { 'http_requests_per_second.mean.1m': 450 } });
    expect(evaluated.body.decisions[0].reason).toContain('http_requests_per_second mean 450');
    expect(fake.state.received).toEqual([expect.objectContaining({ query: QUERY, authorization: 'Bearer prom-token-1' })]);

    const events = await call(api.url, 'GET', `/v1/services/web/events?namespace=${ns}`);
    expect(events.body.items[0]).toMatchObject({ from: 5, to: 9, reason: expect.stringContaining('http_requests_per_second mean 450') });
  });

  it('holds its replicas when the query answers several series, and says why', async () => {
    const ns = freshNamespace();
    expect((await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: document({}, { target: 500 }) })).status).toBe(201);
    answer = vector(10, 20, 30);
    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(evaluated.body.decisions[0]).toMatchObject({ status: 'unchanged', from: 5, to: 5 });
    expect(evaluated.body.decisions[0].reason).toContain('http_requests_per_second: prometheus: the query returned 3 series, need exactly one');
  });

  it('holds its replicas when Prometheus refuses the query, with its errorType and error', async () => {
    const ns = freshNamespace();
    expect((await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: document({}, { target: 500 }) })).status).toBe(201);
    answer = prometheusError(400, 'bad_data', 'invalid parameter "query": 1:4: parse error: unexpected <op:*>');
    const evaluated = await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } });
    expect(evaluated.body.decisions[0]).toMatchObject({ status: 'unchanged', to: 5 });
    expect(evaluated.body.decisions[0].reason).toContain('prometheus: the query failed (400 bad_data): invalid parameter "query": 1:4: parse error: unexpected <op:*>');
  });

  const bad: Array<{ name: string; source?: Record<string, unknown>; rule?: Record<string, unknown>; path: string; message: RegExp }> = [
    { name: 'no per', rule: { per: undefined }, path: 'policy.rules[0].per', message: /^a rule with a source needs per/ },
    { name: 'a URL with a query', source: { url: 'https://prom.example:9090/?x=1' }, path: 'policy.rules[0].source.url', message: /must not carry a query or fragment/ },
    { name: 'a URL that is not http', source: { url: 'ftp://prom.example' }, path: 'policy.rules[0].source.url', message: /^must be an http:\/\/ or https:\/\/ URL$/ },
    { name: 'a password in the URL', source: { url: 'https://u:p@prom.example' }, path: 'policy.rules[0].source.url', message: /must not carry a user or password/ },
    { name: 'a metadata address', source: { url: 'http://169.254.169.254' }, path: 'policy.rules[0].source.url', message: /^must not point where Tide does not connect: 169\.254\.169\.254 is a link-local address/ },
    { name: 'an empty query', source: { query: ' ' }, path: 'policy.rules[0].source.query', message: /^must be a PromQL expression$/ },
    { name: 'a token instead of its reference', source: { credential: { bearer: 'eyJhbGciOi' } }, path: 'policy.rules[0].source.credential.bearer', message: /^must name a secret as ssm:\/path/ },
    { name: 'Tide’s own admin token', source: { credential: { bearer: 'env:TIDE_ADMIN_TOKEN' } }, path: 'policy.rules[0].source.credential.bearer', message: /^must name a secret under ssm:\/tide\// },
    {
      name: 'a password outside the stage’s secrets',
      source: { credential: { basic: { username: 'tide', password: 'ssm:/other/prom' } } },
      path: 'policy.rules[0].source.credential.basic.password',
      message: /^must name a secret under ssm:\/tide\//,
    },
    {
      name: 'an empty user name',
      source: { credential: { basic: { username: '', password: 'env:PROM_PASSWORD' } } },
      path: 'policy.rules[0].source.credential.basic.username',
      message: /^must be the user name, as text/,
    },
    { name: 'two kinds of credential', source: { credential: { bearer: 'env:A', basic: { username: 'u', password: 'env:B' } } }, path: 'policy.rules[0].source.credential', message: /^must be \{"bearer"/ },
    { name: 'a timeout over 10s', source: { timeout: '30s' }, path: 'policy.rules[0].source.timeout', message: /^must be at most 10s/ },
  ];
  it.each(bad)('$name → 400 naming $path, nothing stored', async ({ source, rule, path, message }) => {
    const ns = freshNamespace();
    const answered = await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: document(source, rule) });
    expectFieldRefused(answered, path, message);
    expect((await call(api.url, 'GET', `/v1/services/web?namespace=${ns}`)).status).toBe(404);
  });
});
