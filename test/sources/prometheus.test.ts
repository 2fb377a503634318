/**
 * The Prometheus source against a fake speaking Prometheus's HTTP API on 127.0.0.1, with
 * answers in the shapes its documentation gives: what a rule reads from each kind of answer,
 * what is sent (the query at the evaluation's time, the credential), and what is refused.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readPrometheus, readPrometheusAll, type PrometheusContext } from '../../lib/metrics/sources/prometheus';
import type { PrometheusSource } from '../../lib/policy';
import { guardedTransport } from '../../lib/providers/transport';
import { resolvePlatformSecret } from '../../lib/secrets';
import { matrix, prometheusError, scalar, startFakePrometheus, stringResult, vector, type FakeAnswer } from '../support/fakePrometheus';

const scope = { stage: 'test', localStack: true };
const local: PrometheusContext = { transport: guardedTransport({ localStack: true }), resolveSecret: (reference) => resolvePlatformSecret(reference, scope) };
const NOW = Date.parse('2015-07-01T20:10:51.781Z');
const QUERY = 'sum(rate(http_requests_total{service="web"}[2m]))';

let fake: Awaited<ReturnType<typeof startFakePrometheus>>;
const source = (fields: Partial<PrometheusSource> = {}): PrometheusSource => ({ type: 'prometheus', url: fake.url, query: QUERY, timeout: '5s', ...fields });
const answering = (answer: FakeAnswer | ((query: string | null) => FakeAnswer)) => {
  fake.state.answer = (received) => (typeof answer === 'function' ? answer(received.query) : answer);
};

beforeAll(async () => {
  fake = await startFakePrometheus();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.state.received.length = 0;
});

describe('readPrometheus', () => {
  it('asks for the query at the evaluation time, form-encoded, with the timeout for the server to give up at', async () => {
    answering(vector('42.5'));
    expect(await readPrometheus(source(), NOW, local)).toEqual({ value: 42.5 });
    expect(fake.state.received).toEqual([
      { method: 'POST', path: '/api/v1/query', query: QUERY, time: '1435781451.781', timeout: '5s', authorization: undefined, contentType: 'application/x-www-form-urlencoded' },
    ]);
  });

  it('keeps a path prefix in the URL, as a proxy in front of Prometheus has', async () => {
    answering(vector(1));
    expect(await readPrometheus(source({ url: `${fake.url}/prometheus/` }), NOW, local)).toEqual({ value: 1 });
    expect(fake.state.received[0]?.path).toBe('/prometheus/api/v1/query');
  });

  const cases: Array<{ name: string; answer: FakeAnswer; reads: { value: number } | { problem: string } }> = [
    { name: 'a vector of one sample is its value', answer: vector('1234.5'), reads: { value: 1234.5 } },
    { name: 'a scalar is its value', answer: scalar('7'), reads: { value: 7 } },
    { name: 'a vector of no series is no data', answer: vector(), reads: { problem: 'prometheus: the query returned no series, need exactly one' } },
    {
      name: 'a vector of several series is refused, not summed',
      answer: vector(1, 2, 3),
      reads: { problem: 'prometheus: the query returned 3 series, need exactly one: aggregate them, e.g. sum(...)' },
    },
    {
      name: 'a range vector is refused',
      answer: matrix(1, 2),
      reads: { problem: 'prometheus: the query returned a range vector (matrix), need an instant vector or a scalar: drop the [range] selector or wrap it in a function such as rate(...)' },
    },
    { name: 'a string is refused', answer: stringResult('hello'), reads: { problem: 'prometheus: the query returned a string, need a number' } },
    { name: 'NaN is refused', answer: vector('NaN'), reads: { problem: 'prometheus: the query returned NaN, need a finite number' } },
    { name: '+Inf is refused', answer: scalar('+Inf'), reads: { problem: 'prometheus: the query returned +Inf, need a finite number' } },
    {
      name: "a query Prometheus cannot parse gives its errorType and error",
      answer: prometheusError(400, 'bad_data', '1:5: parse error: unexpected end of input'),
      reads: { problem: 'prometheus: the query failed (400 bad_data): 1:5: parse error: unexpected end of input' },
    },
    {
      name: 'a query that timed out on the server says so',
      answer: prometheusError(503, 'timeout', 'query timed out in expression evaluation'),
      reads: { problem: 'prometheus: the query failed (503 timeout): query timed out in expression evaluation' },
    },
    {
      name: 'an answer that is not Prometheus JSON is quoted with its status',
      answer: { status: 502, body: '<html>Bad Gateway</html>' },
      reads: { problem: expect.stringMatching(/^prometheus: POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query answered 502 Bad Gateway \(<html>Bad Gateway<\/html>\)$/) as unknown as string },
    },
  ];
  it.each(cases)('$name', async ({ answer, reads }) => {
    answering(answer);
    expect(await readPrometheus(source(), NOW, local)).toEqual(reads);
  });

  it('a URL that is not a Prometheus reads as the 404 it got', async () => {
    answering({ status: 404, body: '404 page not found\n' });
    expect(await readPrometheus(source(), NOW, local)).toEqual({ problem: expect.stringMatching(/ answered 404 Not Found \(404 page not found\)$/) });
  });

  it('sends a bearer token from a secret reference, and never shows it', async () => {
    process.env.PROM_TOKEN_BEARER = 's3cr3t-token';
    answering({ status: 401, body: 'token s3cr3t-token is not valid' });
    const reading = await readPrometheus(source({ credential: { bearer: 'env:PROM_TOKEN_BEARER' } }), NOW, local);
    expect(fake.state.received[0]?.authorization).toBe('Bearer s3cr3t-token');
    expect(reading).toEqual({ problem: expect.stringContaining('answered 401 Unauthorized (token REDACTED is not valid)') });
  });

  it('sends a user name and a password from a secret reference as Basic', async () => {
    process.env.PROM_PASSWORD_BASIC = 'pa55word';
    answering(scalar(3));
    expect(await readPrometheus(source({ credential: { basic: { username: 'tide', password: 'env:PROM_PASSWORD_BASIC' } } }), NOW, local)).toEqual({ value: 3 });
    expect(fake.state.received[0]?.authorization).toBe(`Basic ${Buffer.from('tide:pa55word').toString('base64')}`);
  });

  it('a credential that cannot be read is a problem, and nothing is sent', async () => {
    const reading = await readPrometheus(source({ credential: { bearer: 'env:PROM_TOKEN_UNSET' } }), NOW, local);
    expect(reading).toEqual({ problem: 'prometheus: cannot read the bearer token from env:PROM_TOKEN_UNSET: secret env:PROM_TOKEN_UNSET is not set' });
    expect(fake.state.received).toEqual([]);
  });

  it('a credential outside the stage’s platform secrets is refused', async () => {
    const reading = await readPrometheus(source({ credential: { bearer: 'env:TIDE_ADMIN_TOKEN' } }), NOW, local);
    expect(reading).toEqual({ problem: expect.stringContaining('env:TIDE_ADMIN_TOKEN is not a platform secret of this deployment') });
    expect(fake.state.received).toEqual([]);
  });

  it('gives up after the timeout', async () => {
    fake.state.answer = () => new Promise<FakeAnswer>(() => {});
    const reading = await readPrometheus(source({ timeout: '200ms' }), NOW, local);
    expect(reading).toEqual({ problem: expect.stringMatching(/^prometheus: POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query did not answer: timed out after 200ms$/) });
  });

  it('goes only where the target guard lets targets go', async () => {
    const deployed: PrometheusContext = { ...local, transport: guardedTransport({ localStack: false }) };
    expect(await readPrometheus(source(), NOW, deployed)).toEqual({
      problem: expect.stringContaining('did not answer: Tide does not connect there: 127.0.0.1 is a loopback address, reachable only on the local stack'),
    });
    expect(await readPrometheus(source({ url: 'http://169.254.169.254' }), NOW, local)).toEqual({
      problem: expect.stringContaining('Tide does not connect there: 169.254.169.254 is a link-local address'),
    });
    expect(fake.state.received).toEqual([]);
  });
});

describe('readPrometheusAll', () => {
  it('sends one request per source, at most four at once, and answers in order', async () => {
    let inFlight = 0;
    let most = 0;
    const held: Array<() => void> = [];
    const total = 10;
    let arrived = 0;
    fake.state.answer = async (received) => {
      inFlight++;
      arrived++;
      most = Math.max(most, inFlight);
      // Held until four wait together (or the last ones arrived), so any overlap beyond four would show.
      await new Promise<void>((resolve) => {
        held.push(resolve);
        if (held.length === 4 || arrived === total) held.splice(0).forEach((release) => release());
      });
      inFlight--;
      return vector(Number(received.query));
    };
    const sources = Array.from({ length: total }, (_, i) => source({ query: String(i) }));
    expect(await readPrometheusAll(sources, NOW, local)).toEqual(sources.map((_, i) => ({ value: i })));
    expect(fake.state.received).toHaveLength(total);
    expect(most).toBe(4);
  });
});
