/**
 * The evaluator keeps each service's load past the minute buckets: at the first tick of an hour
 * it rolls the hour before up (from the read it makes anyway), and a service whose load rule
 * predicts reads the same hours of the last 14 days back once an hour. The clock is injected.
 */
import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices } from '../../lib/evaluator/evaluate';
import { CPU_LOAD, hoursToRead, LOAD_KEY, pastLoadsFrom, pastLoadsOf, readPastLoads } from '../../lib/evaluator/rollups';
import { emptyHistory, policySchema } from '../../lib/policy';
import { recordSamples } from '../../lib/ingest/record';
import { loadPolicyOf } from '../../lib/services/load';
import { parseServiceDocument } from '../../lib/services/schema';
import { HOUR_MS } from '../../lib/store/rollups';
import { freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';

const TEN = Date.UTC(2026, 10, 22, 10);
const MINUTE = 60_000;
const clock = { at: TEN };
const app = createTide(loadConfig(), () => clock.at);

/** DynamoDB requests by kind, as the evaluator sends them, from the moment it is created. */
function requestCounter() {
  const counts = new Map<string, number>();
  let on = false;
  app.db.middlewareStack.add(
    (next, context) => async (args) => {
      if (on) counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: `count-${Math.random()}` },
  );
  return {
    during: async (work: () => Promise<unknown>) => {
      counts.clear();
      on = true;
      await work();
      on = false;
      return Object.fromEntries(counts);
    },
  };
}
const counter = requestCounter();

const loadRule = { type: 'load', metric: 'cpu_ratio', target: 60 };

/** A service on a fake platform with 3 replicas, reporting cpu_ratio `cpu(minute)` in each minute from 09:00. */
async function serviceWith(policy: Record<string, unknown>, cpu: (minute: number) => number, shadows?: Record<string, unknown>) {
  const namespace = freshNamespace();
  const platform = await startHttpTarget(3);
  const fields = { mode: 'auto', min: 1, max: 10, target: { provider: 'http', url: platform.url }, policy, ...(shadows ? { shadows } : {}) };
  const document = parseServiceDocument(fields, 'myweb', namespace, app.config);
  await app.services.put({ namespace, service: 'myweb', ...document }, TEN - HOUR_MS);
  const report = (from: number, to: number) =>
    recordSamples(app, {
      namespace,
      node: 'node1',
      samples: Array.from({ length: to - from }, (_, i) => ({ ts: TEN - HOUR_MS + (from + i) * MINUTE + 5_000, service: 'myweb', container: 'c1', cpu_ratio: cpu(from + i) })),
    });
  await report(0, 60);
  await report(60, 125);
  return {
    namespace,
    platform,
    /** Evaluates at `minutes` past 10:00 (5 s into the minute). */
    evaluate: (minutes: number, dryRun = false) => {
      clock.at = TEN + minutes * MINUTE + 5_000;
      return evaluateServices(app, { owner: 'rollups-test', namespace, deadline: clock.at + 10_000, dryRun });
    },
    rolledUp: (hour: number) => app.rollups.getHours(namespace, 'myweb', [hour]),
  };
}

describe('hourly rollups of a service’s load', () => {
  it('rolls the hour before up at the first tick of an hour, from the same queries, and nothing more until the next hour', async () => {
    // 40 % on 3 replicas: a load of 120 each minute, 50 % from 09:30.
    const svc = await serviceWith({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] }, (m) => (m >= 30 && m < 60 ? 50 : 40));
    const first = await counter.during(() => svc.evaluate(0));
    const [nine] = await svc.rolledUp(TEN - HOUR_MS);
    const loads = nine?.loads.get('cpu_ratio.mean*replicas');
    expect(loads?.slice(28, 32)).toEqual([120, 120, 150, 150]);
    expect(loads).toHaveLength(60);

    const later = await counter.during(() => svc.evaluate(1));
    // The rollup's tick reads the hour before too (its own partition: one query more), and puts one item more.
    expect(first).toEqual({ ...later, QueryCommand: (later.QueryCommand ?? 0) + 1, PutItemCommand: 1 });
    expect(later).not.toHaveProperty('PutItemCommand');
    // The states' read, and no past hours.
    expect(later.BatchGetItemCommand).toBe(1);

    expect(await svc.rolledUp(TEN)).toEqual([]);
    const eleven = await counter.during(() => svc.evaluate(60));
    expect(eleven).toMatchObject({ PutItemCommand: 1 });
    expect((await svc.rolledUp(TEN))[0]?.loads.get('cpu_ratio.mean*replicas')?.slice(0, 2)).toEqual([120, 120]);
    await svc.platform.close();
  });

  it('writes nothing for a what-if, and rolls up at the next real tick', async () => {
    const svc = await serviceWith({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] }, () => 40);
    await svc.evaluate(0, true);
    expect(await svc.rolledUp(TEN - HOUR_MS)).toEqual([]);
    await svc.evaluate(2);
    expect(await svc.rolledUp(TEN - HOUR_MS)).toHaveLength(1);
    await svc.platform.close();
  });

  it('keeps each predicting load rule’s load beside cpu_ratio’s', async () => {
    const svc = await serviceWith({ rules: [{ ...loadRule, metric: 'rps', statistic: 'sum', perReplica: false, prediction: {} }] }, () => 40);
    await recordSamples(app, { namespace: svc.namespace, node: 'node1', samples: [{ ts: TEN - 10 * MINUTE, service: 'myweb', container: 'c1', custom: { rps: 250 } }] });
    await svc.evaluate(0);
    const [nine] = await svc.rolledUp(TEN - HOUR_MS);
    expect([...(nine?.loads.keys() ?? [])].sort()).toEqual(['cpu_ratio.mean*replicas', 'rps.sum']);
    expect(nine?.loads.get('rps.sum')?.[50]).toBe(250);
    await svc.platform.close();
  });

  it('reads a predicting service’s past days once an hour, in one BatchGetItem, and never for a service that does not predict', async () => {
    const predicting = await serviceWith({ rules: [{ ...loadRule, prediction: { mode: 'forecastOnly' } }] }, () => 40);
    const plain = await serviceWith({ rules: [loadRule] }, () => 40);
    const ticks = async (svc: typeof plain) => [await counter.during(() => svc.evaluate(5)), await counter.during(() => svc.evaluate(6)), await counter.during(() => svc.evaluate(61))];
    // Every tick reads the states in one BatchGetItem; a predicting service one more an hour.
    expect((await ticks(predicting)).map((t) => t.BatchGetItemCommand ?? 0)).toEqual([2, 1, 2]);
    expect((await ticks(plain)).map((t) => t.BatchGetItemCommand ?? 0)).toEqual([1, 1, 1]);
    await predicting.platform.close();
    await plain.platform.close();
  });

  it('keeps and reads a shadow policy’s predicting load as the live policy’s', async () => {
    const shadowed = await serviceWith({ rules: [loadRule] }, () => 40, { predicting: { rules: [{ ...loadRule, metric: 'rps', statistic: 'sum', perReplica: false, prediction: {} }] } });
    await recordSamples(app, { namespace: shadowed.namespace, node: 'node1', samples: [{ ts: TEN - 10 * MINUTE, service: 'myweb', container: 'c1', custom: { rps: 250 } }] });
    const tick = await counter.during(() => shadowed.evaluate(0));
    // The states, and the past days.
    expect(tick.BatchGetItemCommand).toBe(2);
    const [nine] = await shadowed.rolledUp(TEN - HOUR_MS);
    expect([...(nine?.loads.keys() ?? [])].sort()).toEqual(['cpu_ratio.mean*replicas', 'rps.sum']);
    await shadowed.platform.close();
  });
});

describe('the past loads a prediction reads', () => {
  const DAY = 24 * HOUR_MS;
  const predicting = (prediction: Record<string, unknown>, inWindow = '45m') => policySchema.parse({ rules: [{ ...loadRule, inWindow, prediction }], readinessDelay: '2m' });

  it('are the hours from the recent window’s start to the end of this hour and the look-ahead, on each of the days the prediction looks back', () => {
    const hours = hoursToRead(predicting({ days: 2, recurOn: 2 }), TEN);
    // 45m + 30m back (08:00), 1h + 2m + 30m ahead (11:00): four hours a day.
    expect(hours.map((h) => new Date(h).toISOString().slice(5, 13))).toEqual(['11-21T08', '11-21T09', '11-21T10', '11-21T11', '11-20T08', '11-20T09', '11-20T10', '11-20T11']);
    expect(hoursToRead(predicting({ days: 14 }, '3h'), TEN)).toHaveLength(14 * 6);
    expect(hoursToRead(policySchema.parse({ rules: [loadRule] }), TEN)).toEqual([]);
  });

  it('come from the rollups, and for hours not rolled up that the minute buckets still keep, from those buckets', async () => {
    const svc = await serviceWith({ rules: [{ ...loadRule, prediction: {} }] }, () => 40);
    const yesterday = TEN - DAY;
    await app.rollups.putHour(svc.namespace, 'myweb', { hour: yesterday - HOUR_MS, loads: new Map([['cpu_ratio.mean*replicas', Array.from({ length: 60 }, () => 90)]]) });
    // 24 h of buckets are kept: yesterday's 10:40 still is at 10:05 today, 09:40 is not.
    await recordSamples(app, { namespace: svc.namespace, node: 'node1', samples: [{ ts: yesterday + 40 * MINUTE, service: 'myweb', container: 'c1', cpu_ratio: 30 }] });
    const stored = await app.services.get(svc.namespace, 'myweb');
    const policy = policySchema.parse(stored?.policy);
    clock.at = TEN + 5 * MINUTE;
    const read = await readPastLoads(app, stored!, policy, clock.at);
    const past = pastLoadsFrom(read, policy, { currentReplicas: 2, history: emptyHistory(), now: clock.at, bucketMs: 60_000 });
    expect(past.at('cpu_ratio.mean*replicas', yesterday - 20 * MINUTE)).toBe(90);
    expect(past.at('cpu_ratio.mean*replicas', yesterday + 40 * MINUTE)).toBe(60);
    expect(past.at('cpu_ratio.mean*replicas', yesterday + 41 * MINUTE)).toBeUndefined();
    await svc.platform.close();
  });
});

describe('pastLoadsOf', () => {
  it('answers a key’s load in a minute of the hours read, and undefined elsewhere', () => {
    const minutes = Array.from({ length: 60 }, (_, m) => (m === 3 ? undefined : m * 10));
    const past = pastLoadsOf([{ hour: TEN, loads: new Map([['rps.sum', minutes]]) }]);
    expect(past.at('rps.sum', TEN + 2 * MINUTE)).toBe(20);
    expect(past.at('rps.sum', TEN + 3 * MINUTE)).toBeUndefined();
    expect(past.at('cpu_ratio.mean*replicas', TEN)).toBeUndefined();
    expect(past.at('rps.sum', TEN + HOUR_MS)).toBeUndefined();
  });
});

describe('the load every service’s rollups keep', () => {
  it('is cpu_ratio’s load rule as the schema parses it, built by hand so that the evaluator loads no zod', () => {
    expect(CPU_LOAD).toEqual(loadPolicyOf(LOAD_KEY)?.rules[0]);
  });
});
