/**
 * CloudWatch sources as `npm start` runs them, against examples/fake-cloudwatch.mjs on a free
 * port (the real SDK client speaking AWS JSON 1.0 to it) and a fake ECS: docs/SOURCES.md's "Try
 * it" as written, a worker that goes to zero when its queue empties and back to one when a
 * message arrives, and docs/SOURCES.md's ECS service scaling on its queue's depth with no agent,
 * each read back with the real CLI.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';
import { startFakeEcs } from '../support/fakeEcs';
import { checkoutView, npmStart, root, userEnvironment, type RunningStack } from './localStack';
import { shellBlocks } from './readme';

/** The fake listens on a free port; the docs' commands name 8089, and are run with this one instead. */
let CLOUDWATCH: string;
const docs = readFileSync(join(root, 'docs', 'SOURCES.md'), 'utf8');

let view: ReturnType<typeof checkoutView>;
let stack: RunningStack;
let cloudWatch: ChildProcess;
let ecs: Awaited<ReturnType<typeof startFakeEcs>>;

const tide = async (...args: string[]) => (await promisify(execFile)('npx', ['tide', ...args], { cwd: view.dir, env: userEnvironment() })).stdout;
/** What the queue holds from now on, set as docs/SOURCES.md sets it. */
const queueDepth = async (queue: string, depth: number) => {
  const answer = await fetch(`${CLOUDWATCH}/metrics/AWS/SQS/ApproximateNumberOfMessagesVisible?QueueName=${queue}`, { method: 'PUT', body: String(depth) });
  expect(answer.status).toBe(204);
};
const apply = async (name: string, document: unknown) => {
  const file = join(view.dir, '.tide', `${name}.json`);
  writeFileSync(file, JSON.stringify(document));
  return tide('apply', '-f', file, '--service', name);
};
const sqs = (queue: string) => ({ type: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queue }, statistic: 'Maximum', period: '60s' });

beforeAll(async () => {
  const port = await freePort();
  CLOUDWATCH = `http://127.0.0.1:${port}`;
  cloudWatch = spawn('node', ['examples/fake-cloudwatch.mjs'], { cwd: root, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  let said = '';
  cloudWatch.stdout?.on('data', (chunk: Buffer) => (said += chunk.toString()));
  while (!said.includes('listening') && cloudWatch.exitCode === null) await wait(50);
  ecs = await startFakeEcs([{ cluster: 'prod', name: 'orders-worker', desiredCount: 5, status: 'ACTIVE' }]);
  view = checkoutView();
  // The evaluator's schedule is off, so only the evaluations the test asks for happen.
  stack = await npmStart(view.dir, { TIDE_HTTP_PORT: String(await freePort()), TIDE_EVALUATOR_SCHEDULE: 'false', TIDE_CLOUDWATCH_ENDPOINT: CLOUDWATCH, TIDE_ECS_ENDPOINT: ecs.url });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  view?.remove();
  cloudWatch?.kill();
  await ecs?.close();
});

describe('CloudWatch sources on the local stack', () => {
  it("runs docs/SOURCES.md's Try it as written", async () => {
    // Its fake CloudWatch already runs (beforeAll), and the stack with TIDE_CLOUDWATCH_ENDPOINT.
    const blocks = shellBlocks(docs.slice(docs.indexOf('### Try it without AWS'))).filter((b) => b.mode === 'run');
    const script = ['set -euo pipefail', 'curl() { command curl --fail-with-body "$@"; }', ...blocks.map((b) => b.code.replaceAll('http://127.0.0.1:8089', CLOUDWATCH))].join('\n');
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd: view.dir, env: userEnvironment() });
    expect(stdout).toMatch(/\njobs-worker +applied +1 → 5 +queue_depth max 45 for the service vs target 10 a replica; ceil\(45 \/ 10\) → 5\n/);
    expect(stdout).toMatch(/\n\S+Z +policy +1 → 5 +applied +queue_depth max 45 for the service vs target 10 a replica; ceil\(45 \/ 10\) → 5\n/);
  }, 120_000);

  it('puts a worker to sleep at zero when its queue empties, and wakes it when a message arrives', async () => {
    await queueDepth('night-jobs', 0);
    const rule = { type: 'target', metric: 'queue_depth', per: 'service', target: 10, statistic: 'max', window: '2m', source: sqs('night-jobs') };
    const worker = { min: 0, max: 5, target: { provider: 'sim', offeredLoad: 0, capacityPerReplica: 50, initialReplicas: 1 } };
    expect(await apply('sleeper', { ...worker, policy: { rules: [rule], stabilization: { scaleIn: '0s' } } })).toBe('service sleeper applied (auto, 0-5 replicas, sim)\n');
    // The same worker with a delay before 1 → 0: the empty queue alone does not put it to sleep.
    await apply('dozer', { ...worker, policy: { rules: [rule], stabilization: { scaleIn: '0s' }, scaleToZero: { after: '10m' } } });

    const empty = await tide('evaluate');
    expect(empty).toMatch(/\nsleeper +applied +1 → 0 +queue_depth max 0 for the service vs target 10 a replica; ceil\(0 \/ 10\) → 0\n/);
    expect(empty).toMatch(/\ndozer +unchanged +1 → 1 +.*idle 0s of scaleToZero\.after 10m \(queue_depth 0\): held at 1\n/);

    await queueDepth('night-jobs', 3);
    expect(await tide('evaluate', 'sleeper')).toMatch(/\nsleeper +applied +0 → 1 +woke: queue_depth 3 > activation 0 → 1\b/);

    const events = await tide('events', 'sleeper');
    expect(events).toMatch(/\n\S+Z +policy +0 → 1 +applied +woke: queue_depth 3 > activation 0 → 1\b/);
    expect(events).toMatch(/\n\S+Z +policy +1 → 0 +applied +queue_depth max 0 for the service vs target 10 a replica; ceil\(0 \/ 10\) → 0\n/);
  }, 120_000);

  it("scales docs/SOURCES.md's ECS service on its queue's depth, with no agent", async () => {
    const section = docs.slice(docs.indexOf('### Worked example'), docs.indexOf('### Try it without AWS'));
    const document = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '') as { service: string };
    await queueDepth('orders', 850);
    const cpu = await fetch(`${CLOUDWATCH}/metrics/AWS/ECS/CPUUtilization?ClusterName=prod&ServiceName=orders-worker`, { method: 'PUT', body: '40' });
    expect(cpu.status).toBe(204);
    expect(await apply(document.service, document)).toBe('service orders-worker applied (auto, 1-20 replicas, ecs)\n');

    // The tasks' CPU (40 % on 5, target 70) asks for 3; the queue for 9, and the larger wins.
    const evaluated = await tide('evaluate', 'orders-worker');
    expect(evaluated).toMatch(/\norders-worker +applied +5 → 9 +queue_depth max 850 for the service vs target 100 a replica; ceil\(850 \/ 100\) → 9\n/);
    expect(ecs.service('prod', 'orders-worker')?.desiredCount).toBe(9);
    expect(await tide('events', 'orders-worker')).toMatch(/\n\S+Z +policy +5 → 9 +applied +queue_depth max 850 for the service vs target 100 a replica; ceil\(850 \/ 100\) → 9/);
  }, 120_000);
});
