/**
 * An evaluation that decides what the one before did writes nothing, as `npm start` runs it: a
 * simulated service at its target, evaluated again and again with the real CLI, keeps the first
 * decision's time in its status until a decision changes something.
 */
import { describe, expect, it } from 'vitest';
import { localStackForTests } from './localStack';

// No scheduled evaluations: only the test's own.
const local = localStackForTests({ TIDE_EVALUATOR_SCHEDULE: 'false' });
const { admin, tide } = local;

/** A sim service on 4 replicas of 100 requests a minute, offered `offeredLoad`, with a 60 % CPU target. */
const steady = (offeredLoad: number) => ({
  min: 1,
  max: 10,
  target: { provider: 'sim', offeredLoad, capacityPerReplica: 100, initialReplicas: 4 },
  policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] },
});

const lastDecision = async () => /\nlast decision (\S+): (.*)\n/.exec(await tide('status', 'steady'))?.slice(1);

describe('a service whose decision does not change, on the local stack', () => {
  it('keeps its first decision in its status while evaluations change nothing, and records the next change', async () => {
    // 240 requests a minute on 4 replicas of 100: 60 % each, the target.
    const put = await admin('/v1/services/steady', 'PUT', steady(240));
    expect(put.status, JSON.stringify(put.body)).toBe(201);

    expect(await tide('evaluate', 'steady')).toMatch(/\nsteady +unchanged +4 → 4 +cpu_ratio mean 60 within 10% of target 60\n/);
    const first = await lastDecision();
    expect(first?.[1]).toBe('cpu_ratio mean 60 within 10% of target 60');
    for (let i = 0; i < 2; i++) expect(await tide('evaluate', 'steady')).toMatch(/\nsteady +unchanged +4 → 4 /);
    expect(await lastDecision()).toEqual(first);

    const busier = await admin('/v1/services/steady', 'PUT', steady(480));
    expect(busier.status).toBe(200);
    expect(await tide('evaluate', 'steady')).toMatch(/\nsteady +applied +4 → \d+ /);
    const [ts] = (await lastDecision()) ?? [];
    expect(Date.parse(ts ?? '')).toBeGreaterThan(Date.parse(first?.[0] ?? ''));
  }, 120_000);
});
