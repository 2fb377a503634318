/**
 * An evaluation that decides what the one before did writes nothing, as `npm start` runs it: a
 * simulated service at its target, evaluated again and again with the real CLI, keeps the first
 * decision's time in its status until a decision changes something.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';
import { checkoutView, npmStart, userEnvironment, type RunningStack } from './localStack';

let view: ReturnType<typeof checkoutView>;
let stack: RunningStack;

beforeAll(async () => {
  view = checkoutView();
  // No scheduled evaluations: only the test's own.
  stack = await npmStart(view.dir, { TIDE_HTTP_PORT: String(await freePort()), TIDE_EVALUATOR_SCHEDULE: 'false' });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  view?.remove();
});

const tide = async (...args: string[]) => (await promisify(execFile)('npx', ['tide', ...args], { cwd: view.dir, env: userEnvironment() })).stdout;
const lastDecision = async () => /\nlast decision (\S+): (.*)\n/.exec(await tide('status', 'steady'))?.slice(1);

describe('a service whose decision does not change, on the local stack', () => {
  it('keeps its first decision in its status while evaluations change nothing, and records the next change', async () => {
    const put = await fetch(`${stack.url}/v1/services/steady`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      // 240 requests a minute on 4 replicas of 100: 60 % each, the target.
      body: JSON.stringify({
        min: 1,
        max: 10,
        target: { provider: 'sim', offeredLoad: 240, capacityPerReplica: 100, initialReplicas: 4 },
        policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] },
      }),
    });
    expect(put.status, await put.clone().text()).toBe(201);

    expect(await tide('evaluate', 'steady')).toMatch(/\nsteady +unchanged +4 → 4 +cpu_ratio mean 60 within 10% of target 60\n/);
    const first = await lastDecision();
    expect(first?.[1]).toBe('cpu_ratio mean 60 within 10% of target 60');
    for (let i = 0; i < 2; i++) expect(await tide('evaluate', 'steady')).toMatch(/\nsteady +unchanged +4 → 4 /);
    expect(await lastDecision()).toEqual(first);

    const busier = await fetch(`${stack.url}/v1/services/steady`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        min: 1,
        max: 10,
        target: { provider: 'sim', offeredLoad: 480, capacityPerReplica: 100, initialReplicas: 4 },
        policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] },
      }),
    });
    expect(busier.status).toBe(200);
    expect(await tide('evaluate', 'steady')).toMatch(/\nsteady +applied +4 → \d+ /);
    const [ts] = (await lastDecision()) ?? [];
    expect(Date.parse(ts ?? '')).toBeGreaterThan(Date.parse(first?.[0] ?? ''));
  }, 120_000);
});
