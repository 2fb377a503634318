/**
 * The buckets a tick's decisions read: one read per namespace and storage shard for all its
 * services, and once a container has read a window, only the recent minutes again. The clock is
 * injected; the minutes are written as agents post them.
 */
import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { RECENT_MS, readWindows } from '../../lib/evaluator/windows';
import { freshNamespace } from '../support/client';

const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 22, 10, 30, 5);
const clock = { at: START };
const app = createTide(loadConfig(), () => clock.at);

/** The metric reads' first minutes (epoch ms), as the evaluator sends them. */
const readsFrom: number[] = [];
app.db.middlewareStack.add(
  (next, context) => async (args) => {
    const values = (args.input as { ExpressionAttributeValues?: Record<string, unknown> }).ExpressionAttributeValues;
    if (context.commandName === 'QueryCommand' && String(values?.[':pk']).startsWith('MIN#')) readsFrom.push(Number(values?.[':from']) * 1000);
    return next(args);
  },
  { step: 'initialize', name: 'windowReads' },
);

const minuteOf = (time: number) => Math.floor(time / MINUTE) * MINUTE;

/** A node's post of the minute starting at `start`: `cpu` for each of `services`. */
function post(namespace: string, node: string, start: number, services: Record<string, number>, seq = 1) {
  const metric = (v: number) => ({ count: 6, sum: 6 * v, min: v, max: v });
  return app.minutes.writeNodeMinute(namespace, node, { start, seq, services: new Map(Object.entries(services).map(([s, v]) => [s, { containers: 1, metrics: new Map([['cpu_ratio', metric(v)]]) }])) }, Math.floor(start / 1000) + 86_400);
}

describe('the windows a tick reads', () => {
  it('reads every service of a namespace at once, each from its own window, and later only the recent minutes, as a whole read would give them', async () => {
    const ns = freshNamespace();
    for (let m = 20; m >= 1; m--) await post(ns, 'node-a', minuteOf(START) - m * MINUTE, { web: 40 + m, api: 10 + m });
    const needs = [
      { namespace: ns, service: 'web', metrics: ['cpu_ratio'], from: minuteOf(START) - 15 * MINUTE },
      { namespace: ns, service: 'api', metrics: ['cpu_ratio'], from: minuteOf(START) - 3 * MINUTE },
    ];
    const whole = async (now: number) =>
      new Map(await Promise.all(needs.map(async (n) => [`${ns}#${n.service}`, await app.minutes.readService(ns, n.service, n.metrics, n.from + (now - START), now + 300_000)] as const)));
    const tick = (now: number) => readWindows(app, needs.map((n) => ({ ...n, from: n.from + (now - START) })), now);

    readsFrom.length = 0;
    const cold = await tick(START);
    expect(readsFrom).toEqual([minuteOf(START) - 15 * MINUTE]);
    expect(cold).toEqual(await whole(START));

    for (let t = 1; t <= 3; t++) {
      const now = START + t * MINUTE;
      await post(ns, 'node-a', minuteOf(now) - MINUTE, { web: 90, api: 5 });
      // A node whose post of a minute 3 minutes back comes late, and one that posts a minute again with more samples.
      await post(ns, 'node-b', minuteOf(now) - 3 * MINUTE, { web: 70 });
      await post(ns, 'node-a', minuteOf(now) - 2 * MINUTE, { web: 91, api: 6 }, 2);
      readsFrom.length = 0;
      const read = await tick(now);
      // From the last minute the tick before did not keep: the recent ones as of then.
      expect(readsFrom).toEqual([minuteOf(now - MINUTE - RECENT_MS)]);
      expect(read).toEqual(await whole(now));
    }
  });

  it('reads a window that reaches further back than the minutes kept (an hour to roll up) from the store', async () => {
    const ns = freshNamespace();
    for (let m = 90; m >= 1; m--) await post(ns, 'node-a', minuteOf(START) - m * MINUTE, { web: m });
    const need = (from: number) => [{ namespace: ns, service: 'web', metrics: ['cpu_ratio'], from }];
    // A short window first: nothing settled is kept from it.
    await readWindows(app, need(minuteOf(START) - MINUTE), START);
    const ten = await readWindows(app, need(minuteOf(START) - 10 * MINUTE), START);
    expect(ten.get(`${ns}#web`)?.map((b) => b.start)).toEqual(Array.from({ length: 10 }, (_, i) => minuteOf(START) - (10 - i) * MINUTE));
    const hourAgo = minuteOf(START) - 90 * MINUTE;
    const read = await readWindows(app, need(hourAgo), START + MINUTE);
    expect(read.get(`${ns}#web`)?.map((b) => b.start)).toEqual(Array.from({ length: 90 }, (_, i) => hourAgo + i * MINUTE));
  });
});
