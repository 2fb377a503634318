/**
 * A rule reading Prometheus as `npm start` runs it: a sim service scaling on a request rate that
 * a fake Prometheus (test/support/fakePrometheus.ts) serves on 127.0.0.1, applied, evaluated and
 * its history read with the real CLI; the bearer token is an env: secret of the stack's shell.
 * Then docs/SOURCES.md's "Try it without Prometheus" as written, beside examples/fake-prometheus.mjs.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';
import { serviceOnRequestRate, startFakePrometheus, vector, type FakeAnswer } from '../support/fakePrometheus';
import { localStackForTests, root, userEnvironment } from './localStack';
import { shellBlocks } from './readme';

// The evaluator's schedule is off, so only the evaluations the test asks for happen.
const local = localStackForTests({ TIDE_EVALUATOR_SCHEDULE: 'false', PROM_TOKEN: 'stack-prom-token' });
const { tide } = local;
let prometheus: Awaited<ReturnType<typeof startFakePrometheus>>;
let answer: FakeAnswer = vector(450);
let example: ChildProcess | undefined;

beforeAll(async () => {
  prometheus = await startFakePrometheus(() => answer);
});

afterAll(async () => {
  await prometheus?.close();
  example?.kill();
});

describe('a Prometheus source on the local stack', () => {
  it('scales a sim service on the request rate the query answers, and says the value in its events', async () => {
    const query = 'sum(rate(http_requests_total{service="api"}[2m]))';
    const file = join(local.dir, 'api.json');
    writeFileSync(
      file,
      JSON.stringify({ service: 'api', ...serviceOnRequestRate({ type: 'prometheus', url: prometheus.url, query, credential: { bearer: 'env:PROM_TOKEN' } }) }),
    );
    expect(await tide('apply', '-f', file)).toBe('service api applied (auto, 1-20 replicas, sim)\n');

    // 450 requests a second, 50 a replica: 9 replicas.
    const before = Date.now();
    expect(await tide('evaluate', 'api')).toMatch(/\napi\s+applied\s+5 → 9\s+http_requests_per_second mean 450\b/);
    expect(prometheus.state.received).toEqual([expect.objectContaining({ method: 'POST', query, authorization: 'Bearer stack-prom-token' })]);
    const asked = Number(prometheus.state.received[0]?.time) * 1000;
    expect(asked).toBeGreaterThanOrEqual(before - 1000);
    expect(asked).toBeLessThanOrEqual(Date.now());

    // Three series are not one number: no data, so no scale-in, and the reason says why.
    answer = vector(10, 20, 30);
    expect(await tide('evaluate', 'api')).toMatch(/\napi\s+unchanged\s+9 → 9\s+.*http_requests_per_second: prometheus: the query returned 3 series, need exactly one/);

    const events = await tide('events', 'api');
    expect(events).toMatch(/policy\s+5 → 9\s+applied\s+http_requests_per_second mean 450\b/);
    expect(events).not.toContain('stack-prom-token');
  }, 120_000);

  it("runs docs/SOURCES.md's Try it without Prometheus as written", async () => {
    const port = await freePort();
    example = spawn('node', ['examples/fake-prometheus.mjs'], { cwd: root, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    example.stdout?.on('data', (chunk: Buffer) => (said += chunk.toString()));
    while (!said.includes('listening') && example.exitCode === null) await wait(50);

    const docs = readFileSync(join(root, 'docs', 'SOURCES.md'), 'utf8');
    const blocks = shellBlocks(docs.slice(docs.indexOf('### Try it without Prometheus'))).filter((b) => b.mode !== 'background');
    const script = ['set -euo pipefail', 'curl() { command curl --fail-with-body "$@"; }', ...blocks.map((b) => b.code.replaceAll('http://127.0.0.1:9095', `http://127.0.0.1:${port}`))].join('\n');
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd: local.dir, env: userEnvironment() });
    const reason = 'http_requests_per_second mean 450 for the service vs target 50 a replica; ceil\\(450 / 50\\) → 9';
    expect(stdout).toMatch(new RegExp(`\\nweb +applied +5 → 9 +${reason}\\n`));
    expect(stdout).toMatch(new RegExp(`\\n\\S+Z +policy +5 → 9 +applied +${reason}\\n`));
    expect(said).toMatch(/sum\(rate\(http_requests_total\{service="web"\}\[2m\]\)\) at \S+Z → 450/);
  }, 120_000);
});
