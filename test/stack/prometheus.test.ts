/**
 * A rule reading Prometheus as `npm start` runs it: a sim service scaling on a request rate that
 * a fake Prometheus (test/support/fakePrometheus.ts) serves on 127.0.0.1, applied, evaluated and
 * its history read with the real CLI. The bearer token is an env: secret of the stack's shell.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';
import { startFakePrometheus, vector, type FakeAnswer } from '../support/fakePrometheus';
import { checkoutView, npmStart, userEnvironment, type RunningStack } from './localStack';

let view: ReturnType<typeof checkoutView>;
let stack: RunningStack;
let prometheus: Awaited<ReturnType<typeof startFakePrometheus>>;
let answer: FakeAnswer = vector(450);

const tide = async (...args: string[]) => (await promisify(execFile)('npx', ['tide', ...args], { cwd: view.dir, env: userEnvironment() })).stdout;

beforeAll(async () => {
  prometheus = await startFakePrometheus(() => answer);
  view = checkoutView();
  // The evaluator's schedule is off, so only the evaluations the test asks for happen.
  stack = await npmStart(view.dir, { TIDE_HTTP_PORT: String(await freePort()), TIDE_EVALUATOR_SCHEDULE: 'false', PROM_TOKEN: 'stack-prom-token' });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  view?.remove();
  await prometheus?.close();
});

describe('a Prometheus source on the local stack', () => {
  it('scales a sim service on the request rate the query answers, and says the value in its events', async () => {
    const query = 'sum(rate(http_requests_total{service="web"}[2m]))';
    const file = join(view.dir, 'web.json');
    writeFileSync(
      file,
      JSON.stringify({
        service: 'web',
        min: 1,
        max: 20,
        target: { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50, initialReplicas: 5, startupDelay: '60s' },
        policy: {
          rules: [
            {
              type: 'target',
              metric: 'http_requests_per_second',
              per: 'service',
              target: 50,
              source: { type: 'prometheus', url: prometheus.url, query, credential: { bearer: 'env:PROM_TOKEN' } },
            },
          ],
        },
      }),
    );
    expect(await tide('apply', '-f', file)).toBe('service web applied (auto, 1-20 replicas, sim)\n');

    // 450 requests a second, 50 a replica: 9 replicas.
    const before = Date.now();
    expect(await tide('evaluate', 'web')).toMatch(/\nweb\s+applied\s+5 → 9\s+http_requests_per_second mean 450\b/);
    expect(prometheus.state.received).toEqual([expect.objectContaining({ method: 'POST', query, authorization: 'Bearer stack-prom-token' })]);
    const asked = Number(prometheus.state.received[0]?.time) * 1000;
    expect(asked).toBeGreaterThanOrEqual(before - 1000);
    expect(asked).toBeLessThanOrEqual(Date.now());

    // Three series are not one number: no data, so no scale-in, and the reason says why.
    answer = vector(10, 20, 30);
    expect(await tide('evaluate', 'web')).toMatch(/\nweb\s+unchanged\s+9 → 9\s+.*http_requests_per_second: prometheus: the query returned 3 series, need exactly one/);

    const events = await tide('events', 'web');
    expect(events).toMatch(/policy\s+5 → 9\s+applied\s+http_requests_per_second mean 450\b/);
    expect(events).not.toContain('stack-prom-token');
  }, 120_000);
});
