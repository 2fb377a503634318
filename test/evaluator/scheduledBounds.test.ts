import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices } from '../../lib/evaluator/evaluate';
import { parseServiceDocument } from '../../lib/services/schema';
import { freshNamespace } from '../support/client';

/** 150 load on 5 replicas of 50 reads 60 %: the rule holds them, so only the schedule moves them. */
const service = (mode: string) => ({
  mode,
  min: 1,
  max: 10,
  target: { provider: 'sim', offeredLoad: 150, capacityPerReplica: 50, initialReplicas: 5 },
  policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] },
  schedules: [{ name: 'nightly', cron: '0 22 * * *', timeZone: 'Europe/Berlin', duration: '8h', max: 2 }],
});

describe('a schedule in the evaluator, on DynamoDB Local', () => {
  it('scales the service to its max while active, says so in the event, and lets the rules act again after', async () => {
    const ns = freshNamespace();
    // 04:00 in Berlin on 1 December: six hours into the nightly window.
    let now = Date.parse('2026-12-01T03:00:05Z');
    const app = createTide(loadConfig(), () => now);
    await app.services.put({ namespace: ns, service: 'web', ...parseServiceDocument(service('auto'), 'web', ns, app.config) }, now);
    const evaluate = async () => (await evaluateServices(app, { owner: 'schedule', namespace: ns, deadline: now + 10_000 }))[0];

    const reason = 'cpu_ratio mean 60 within 10% of target 60; schedule nightly (0 22 * * * Europe/Berlin) sets max 2 → 2';
    expect(await evaluate()).toMatchObject({ status: 'applied', from: 5, to: 2, reason });
    expect(await app.events.list(ns, 'web', 1)).toEqual([expect.objectContaining({ trigger: 'policy', status: 'applied', from: 5, to: 2, reason })]);

    // 06:00 in Berlin: the window has ended, and 2 replicas reading 150 % need 5 again.
    now = Date.parse('2026-12-01T05:00:05Z');
    expect(await evaluate()).toMatchObject({ status: 'applied', from: 2, to: 5, reason: 'cpu_ratio mean 150 vs target 60; ceil(2 × 150 / 60) → 5' });
  });

  it('records in dry-run mode what the schedule would do, and leaves the platform alone', async () => {
    const ns = freshNamespace();
    const now = Date.parse('2026-12-01T03:00:05Z');
    const app = createTide(loadConfig(), () => now);
    await app.services.put({ namespace: ns, service: 'web', ...parseServiceDocument(service('dry-run'), 'web', ns, app.config) }, now);

    const [decision] = await evaluateServices(app, { owner: 'schedule', namespace: ns, deadline: now + 10_000 });
    const reason = expect.stringContaining('schedule nightly (0 22 * * * Europe/Berlin) sets max 2 → 2');
    expect(decision).toMatchObject({ status: 'skipped', from: 5, to: 2, reason });
    expect(await app.events.list(ns, 'web', 1)).toEqual([expect.objectContaining({ status: 'skipped', from: 5, to: 2, reason })]);
    expect((await app.serviceStates.get(ns, 'web')).replicas).toBe(5);
  });
});
