/**
 * docs/POLICIES.md's "Scale to zero and back" as `npm start` runs it: its service document is
 * accepted by PUT, and its walk-through runs as written against examples/fake-cloudwatch.mjs (on a
 * free port where the docs say 8089) with the real CLI, a simulated worker held at 1 while idle,
 * put to sleep, left asleep below the activation threshold and woken above it.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';
import { checkoutView, npmStart, root, userEnvironment, type RunningStack } from './localStack';
import { shellBlocks } from './readme';

const docs = readFileSync(join(root, 'docs', 'POLICIES.md'), 'utf8');
const section = docs.slice(docs.indexOf('## Scale to zero and back'), docs.indexOf('## Defaults'));

let view: ReturnType<typeof checkoutView>;
let stack: RunningStack;
let cloudWatch: ChildProcess;
let cloudWatchPort: number;

beforeAll(async () => {
  cloudWatchPort = await freePort();
  cloudWatch = spawn('node', ['examples/fake-cloudwatch.mjs'], { cwd: root, env: { ...process.env, PORT: String(cloudWatchPort) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let said = '';
  cloudWatch.stdout?.on('data', (chunk: Buffer) => (said += chunk.toString()));
  while (!said.includes('listening') && cloudWatch.exitCode === null) await wait(50);
  view = checkoutView();
  // No scheduled evaluations: only the walk-through's own.
  stack = await npmStart(view.dir, { TIDE_HTTP_PORT: String(await freePort()), TIDE_EVALUATOR_SCHEDULE: 'false', TIDE_CLOUDWATCH_ENDPOINT: `http://127.0.0.1:${cloudWatchPort}` });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  view?.remove();
  cloudWatch?.kill();
});

describe("docs/POLICIES.md's worker that sleeps at zero", () => {
  it('has a service document PUT accepts as it is', async () => {
    const document = JSON.parse(/```json\n([\s\S]*?)```/.exec(section.slice(section.indexOf('### Worked example')))?.[1] ?? '') as { service: string };
    const put = await fetch(`${stack.url}/v1/services/${document.service}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(document),
    });
    expect(put.status, await put.clone().text()).toBe(201);
    expect(((await put.json()) as { policy: { scaleToZero: unknown } }).policy.scaleToZero).toEqual({ after: '10m' });
  });

  it('runs its walk-through as written', async () => {
    const blocks = shellBlocks(section).filter((b) => b.mode === 'run');
    const script = ['set -euo pipefail', 'curl() { command curl --fail-with-body "$@"; }', ...blocks.map((b) => b.code.replaceAll('127.0.0.1:8089', `127.0.0.1:${cloudWatchPort}`))].join('\n');
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd: view.dir, env: userEnvironment() });
    expect(stdout).toMatch(/\nnightly-worker +unchanged +1 → 1 +.*; idle 0s of scaleToZero\.after 10m \(queue_depth 0, queue_in_flight 0\): held at 1\n/);
    expect(stdout).toMatch(/\nnightly-worker: 1 → 0 applied\n/);
    expect(stdout).toMatch(/\nnightly-worker +unchanged +0 → 0 +asleep: queue_depth 2 not above activation 4, stays at 0; /);
    expect(stdout).toMatch(/\nnightly-worker +applied +0 → 3 +woke: queue_depth 25 > activation 4 → 3 \(queue_depth max 25 with 0 replicas vs target 10; ceil\(25 \/ 10\) → 3\)\n/);
    // The events say why, newest first: the wake, and the operator's scale to 0.
    expect(stdout).toMatch(/\n\S+Z +policy +0 → 3 +applied +woke: queue_depth 25 > activation 4 → 3 /);
    expect(stdout).toMatch(/\n\S+Z +manual +1 → 0 +applied +asleep until the next batch\n/);
  }, 120_000);
});
