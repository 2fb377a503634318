/**
 * Shadow policies in the evaluator, on DynamoDB Local and the sim provider, with an injected
 * clock that moves a minute between evaluations: each shadow decides beside the live policy
 * on the readings its own replicas would send, keeps its own replicas and history in the
 * service's state, and never reaches the platform nor the events.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices } from '../../lib/evaluator/evaluate';
import { parseServiceDocument } from '../../lib/services/schema';
import { keys } from '../../lib/store/keys';
import { freshNamespace } from '../support/client';

const START = Date.UTC(2026, 10, 22, 10, 0, 0);
const MINUTE = 60_000;
const clock = { at: START };
const app = createTide(loadConfig(), () => clock.at);

const target = { provider: 'sim', offeredLoad: 400, capacityPerReplica: 50, initialReplicas: 2, startupDelay: '60s' };
const livePolicy = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] };
const target90 = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 90 }] };

async function simulated(document: Record<string, unknown>) {
  const namespace = freshNamespace();
  const parsed = parseServiceDocument({ min: 1, max: 20, target, policy: livePolicy, ...document }, 'demo', namespace, app.config);
  await app.services.put({ namespace, service: 'demo', ...parsed }, clock.at);
  return {
    namespace,
    async evaluateAt(minute: number) {
      clock.at = START + minute * MINUTE;
      const [result] = await evaluateServices(app, { owner: 'shadow-test', namespace, deadline: clock.at + 10_000 });
      return result;
    },
    state: () => app.serviceStates.get(namespace, 'demo'),
    replace: (changes: Record<string, unknown>) =>
      app.services.put({ namespace, service: 'demo', ...parseServiceDocument({ min: 1, max: 20, target, policy: livePolicy, ...changes }, 'demo', namespace, app.config) }, clock.at),
  };
}

describe('shadow policies in the evaluator', () => {
  it('decides a shadow on the load its own replicas would carry, scores it beside the live policy, and never scales with it', async () => {
    const svc = await simulated({ shadows: { 'target-90': target90 } });
    for (let minute = 0; minute <= 10; minute++) expect(await svc.evaluateAt(minute)).toMatchObject({ status: expect.stringMatching(/applied|unchanged/) });

    const state = await svc.state();
    const shadow = state.shadows?.['target-90'];
    // 400 requests need 8 replicas at 100 %: 13 within 10 % of 60 %, 9 of 90 %. The platform runs the live policy's.
    expect(state.replicas).toBe(13);
    expect((await app.simulatedServices.get(svc.namespace, 'demo'))?.replicas).toHaveLength(13);
    expect(shadow?.replicas).toBe(9);
    // The live replicas read 100 × 400 / (13 × 50) = 61.5; the same load on the shadow's 9 reads 88.9.
    expect(state.lastDecision?.reason).toBe('cpu_ratio mean 61.5 within 10% of target 60');
    expect(shadow?.lastDecision?.reason).toBe('cpu_ratio mean 88.9 within 10% of target 90');
    expect(shadow).toMatchObject({ since: START, minutes: 10 });
    expect(shadow?.shadow.replicaMinutes).toBeLessThan(shadow?.live.replicaMinutes as number);
    expect(shadow?.live.scalingActions).toBe(state.scalings.length);

    // Only the live policy's decisions are events.
    const events = await app.events.list(svc.namespace, 'demo', 50);
    expect(events.length).toBe(state.scalings.length);
    expect(events.every((e) => e.trigger === 'policy' && !e.reason.includes('target 90'))).toBe(true);
  });

  it('restarts a shadow whose policy is edited, drops one taken out, and decides shadows in dry-run mode too', async () => {
    const svc = await simulated({ mode: 'dry-run', shadows: { a: target90, b: target90 } });
    for (let minute = 0; minute <= 3; minute++) await svc.evaluateAt(minute);
    const before = await svc.state();
    // Dry-run: the platform keeps its 2; each shadow moved its own.
    expect(before.replicas).toBe(2);
    expect(before.shadows?.a).toMatchObject({ minutes: 3, replicas: expect.toSatisfy((n: number) => n > 2) });

    await svc.replace({ mode: 'dry-run', shadows: { a: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 80 }] } } });
    await svc.evaluateAt(4);
    const after = await svc.state();
    expect(Object.keys(after.shadows ?? {})).toEqual(['a']);
    // It started again from the platform's 2, with no history, and decided at once.
    expect(after.shadows?.a).toMatchObject({ since: START + 4 * MINUTE, minutes: 0, scalings: [{ ts: START + 4 * MINUTE, from: 2, to: 6 }] });
    expect(after.shadows?.a?.lastDecision?.reason).toContain('target 80');
  });

  it('leaves a service without shadows as it was: no shadows in its state', async () => {
    const svc = await simulated({});
    await svc.evaluateAt(0);
    expect((await svc.state()).shadows).toBeUndefined();
  });
});

/** An item's size as DynamoDB counts it: names and values, a number ~1 byte per 2 digits, 3 bytes a map or list and 1 an element. */
function itemSize(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').replace(/^0+/, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + itemSize(v) + 1, 0);
  return 3 + Object.entries(value as object).reduce((n, [k, v]) => n + Buffer.byteLength(k) + itemSize(v) + 1, 0);
}

describe('what shadows cost in the state item', () => {
  it('measures the state item and its write units after an hour and a half of evaluations, without shadows and with three', async () => {
    const shadows = {
      'target-90': target90,
      'load-90': { rules: [{ type: 'load', metric: 'cpu_ratio', target: 90 }] },
      'steps': { rules: [{ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 80, outDuration: '2m', scaleInBelow: 30, inDuration: '5m' }] },
    };
    const services = [await simulated({}), await simulated({ shadows })];
    // The load moves every 10 minutes, so that the policies scale out and in.
    for (let minute = 0; minute < 90; minute++) {
      const offeredLoad = [400, 150, 600, 250, 50, 500][Math.floor(minute / 10) % 6] as number;
      for (const [i, svc] of services.entries()) {
        if (minute % 10 === 0) await svc.replace({ target: { ...target, offeredLoad }, ...(i === 1 ? { shadows } : {}) });
        await svc.evaluateAt(minute);
      }
    }
    const measured = [];
    for (const svc of services) {
      const key = keys.serviceState(svc.namespace, 'demo');
      const item = (await app.db.send(new GetCommand({ TableName: app.config.tableName, Key: key }))).Item as Record<string, unknown>;
      // The evaluator's write replaces attributes of this item: DynamoDB charges it by the item's size.
      const write = await app.db.send(
        new UpdateCommand({ TableName: app.config.tableName, Key: key, UpdateExpression: 'SET replicas = :r', ExpressionAttributeValues: { ':r': item.replicas }, ReturnConsumedCapacity: 'TOTAL' }),
      );
      measured.push({ bytes: itemSize(item), shadowBytes: itemSize(item.shadows), writeUnits: write.ConsumedCapacity?.CapacityUnits as number });
    }
    const [plain, shadowed] = measured as [(typeof measured)[0], (typeof measured)[0]];
    console.log(`state item: ${plain.bytes} bytes, ${plain.writeUnits} write units a tick without shadows; ${shadowed.bytes} bytes, ${shadowed.writeUnits} with 3 (shadows ${shadowed.shadowBytes} bytes)`);
    expect(shadowed.shadowBytes / 3).toBeLessThan(1024);
    expect(shadowed.writeUnits - plain.writeUnits).toBeLessThanOrEqual(3);
  }, 60_000);
});

describe('a shadow on the sim provider when the evaluator runs slow', () => {
  it('reads the sim readings of an evaluation as that evaluation decides, so a late evaluator does not make the shadow flap', async () => {
    // Every read of this clock is 2 s later: the sim's readings and the decision fall seconds apart, across a minute's end.
    const slow = { at: START };
    const late = createTide(loadConfig(), () => (slow.at += 2_000));
    const namespace = freshNamespace();
    const policy = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 90 }], stabilization: { scaleIn: '0s' } };
    const document = { min: 1, max: 20, target: { ...target, initialReplicas: 14 }, policy: livePolicy, shadows: { 'target-90': policy } };
    await late.services.put({ namespace, service: 'demo', ...parseServiceDocument(document, 'demo', namespace, late.config) }, slow.at);
    // Evaluations start 3 s before a minute ends, then on demand every 15 s: each window holds the first minute.
    const reasons = [];
    for (const start of [57, 72, 87, 102]) {
      slow.at = START + start * 1000;
      await evaluateServices(late, { owner: 'slow-test', namespace, deadline: slow.at + 60_000 });
      const shadow = (await late.serviceStates.get(namespace, 'demo')).shadows?.['target-90'];
      reasons.push(`${shadow?.replicas}: ${shadow?.lastDecision?.reason}`);
    }
    // 400 requests on 14 live replicas read 57.1: the shadow goes to 9, which read 88.9, and holds there.
    expect(reasons).toEqual([
      '9: cpu_ratio mean 57.1 vs target 90; ceil(14 × 57.1 / 90) → 9',
      ...Array.from({ length: 3 }, () => '9: cpu_ratio mean 88.9 within 10% of target 90'),
    ]);
  });
});
