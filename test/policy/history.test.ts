import { describe, expect, it } from 'vitest';
import { HISTORY_ENTRIES, HISTORY_MS } from '../../lib/policy/defaults';
import { emptyHistory, recordDecision, recordScaling, runsOf, type History, type Recommendation, type ScalingRecord } from '../../lib/policy/history';
import { decideCase, MINUTE, NOW, SECOND } from './fixtures';

/** `count` recommendations of `replicas`, one every `everyMs`, the newest `everyMs` before NOW. */
const recommendationsBefore = (count: number, everyMs: number, replicas = 2): Recommendation[] =>
  Array.from({ length: count }, (_, i) => ({ ts: NOW - (count - i) * everyMs, replicas }));

const scaling: ScalingRecord = { ts: NOW - MINUTE, from: 2, to: 3 };

describe('Function: recordDecision', () => {
  it.each([
    {
      name: 'keeps the proposal at the decision’s time, however stabilization and limits changed the replicas',
      before: { recommendations: [], scalings: [scaling] },
      decision: { ts: NOW, proposed: 3, replicas: 5 },
      after: { recommendations: [{ ts: NOW, replicas: 3 }], scalings: [scaling] },
    },
    {
      name: 'drops a recommendation exactly one hour old, and keeps one a millisecond younger',
      before: { recommendations: [{ ts: NOW - HISTORY_MS, replicas: 9 }, { ts: NOW - HISTORY_MS + 1, replicas: 8 }], scalings: [] },
      decision: { ts: NOW, proposed: 4 },
      after: { recommendations: [{ ts: NOW - HISTORY_MS + 1, replicas: 8 }, { ts: NOW, replicas: 4 }], scalings: [] },
    },
    {
      name: 'keeps the newest 120 when a service is evaluated more often than every 30 s',
      before: { recommendations: recommendationsBefore(HISTORY_ENTRIES, 10 * SECOND), scalings: [] },
      decision: { ts: NOW, proposed: 4 },
      after: { recommendations: [...recommendationsBefore(HISTORY_ENTRIES - 1, 10 * SECOND), { ts: NOW, replicas: 4 }], scalings: [] },
    },
  ])('$name', ({ before, decision, after }) => {
    expect(recordDecision(before, decision)).toEqual(after);
  });

  it('records what decide() proposed, from the decision itself', () => {
    // Wants 1 of 5: stabilization holds it at 5, and the history keeps the 1 for later windows.
    const decision = decideCase({ policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] }, current: 5, values: { 'cpu_ratio.mean.1m': 5 }, recommendations: [{ ts: NOW - MINUTE, replicas: 5 }] });
    expect(decision).toMatchObject({ replicas: 5, proposed: 1 });
    expect(recordDecision(emptyHistory(), decision).recommendations).toEqual([{ ts: NOW, replicas: 1 }]);
  });
});

describe('Function: recordScaling', () => {
  it.each([
    {
      name: 'adds the scaling and leaves the recommendations as they were',
      before: { recommendations: [{ ts: NOW - MINUTE, replicas: 3 }], scalings: [] },
      scaled: { ts: NOW, from: 3, to: 4 },
      after: { recommendations: [{ ts: NOW - MINUTE, replicas: 3 }], scalings: [{ ts: NOW, from: 3, to: 4 }] },
    },
    {
      name: 'drops a scaling exactly one hour old',
      before: { recommendations: [], scalings: [{ ts: NOW - HISTORY_MS, from: 1, to: 2 }, { ts: NOW - 30 * MINUTE, from: 2, to: 3 }] },
      scaled: { ts: NOW, from: 3, to: 1 },
      after: { recommendations: [], scalings: [{ ts: NOW - 30 * MINUTE, from: 2, to: 3 }, { ts: NOW, from: 3, to: 1 }] },
    },
    {
      name: 'keeps the newest 120 scalings',
      before: { recommendations: [], scalings: Array.from({ length: HISTORY_ENTRIES }, (_, i) => ({ ts: NOW - (HISTORY_ENTRIES - i) * 20 * SECOND, from: i, to: i + 1 })) },
      scaled: { ts: NOW, from: 120, to: 121 },
      after: { recommendations: [], scalings: [...Array.from({ length: HISTORY_ENTRIES - 1 }, (_, i) => ({ ts: NOW - (HISTORY_ENTRIES - 1 - i) * 20 * SECOND, from: i + 1, to: i + 2 })), { ts: NOW, from: 120, to: 121 }] },
    },
  ])('$name', ({ before, scaled, after }) => {
    expect(recordScaling(before, scaled)).toEqual(after);
  });
});

describe('the history', () => {
  it('is never changed in place: a record returns a new history', () => {
    const before: History = { recommendations: [{ ts: NOW - HISTORY_MS, replicas: 2 }], scalings: [{ ts: NOW - HISTORY_MS, from: 1, to: 2 }] };
    const snapshot = structuredClone(before);
    recordScaling(recordDecision(before, { ts: NOW, proposed: 3 }), { ts: NOW, from: 2, to: 3 });
    expect(before).toEqual(snapshot);
  });
});

describe('runs of equal recommendations', () => {
  const run: Recommendation = { ts: NOW - 3 * MINUTE, replicas: 3, every: MINUTE };

  it.each([
    { name: 'the same proposal again', decision: { ts: NOW, proposed: 3 }, every: MINUTE, continues: true },
    { name: 'another proposal', decision: { ts: NOW, proposed: 4 }, every: MINUTE, continues: false },
    { name: 'the same proposal without data', decision: { ts: NOW, proposed: 3, metricsMissing: true as const }, every: MINUTE, continues: false },
    { name: 'the same proposal at another interval', decision: { ts: NOW, proposed: 3 }, every: 15 * SECOND, continues: false },
    { name: 'the same proposal by a caller keeping one entry per evaluation', decision: { ts: NOW, proposed: 3 }, every: undefined, continues: false },
  ])('$name continues the run: $continues', ({ decision, every, continues }) => {
    const before: History = { recommendations: [run], scalings: [] };
    const after = recordDecision(before, decision, every);
    if (continues) expect(after).toBe(before);
    else expect(after.recommendations).toEqual([run, { ts: NOW, replicas: decision.proposed, ...(decision.metricsMissing ? { metricsMissing: true } : {}), ...(every ? { every } : {}) }]);
  });

  it('keeps a run begun over an hour ago while it still held within the hour, and drops one that ended before', () => {
    const old: Recommendation = { ts: NOW - 3 * HISTORY_MS, replicas: 9, every: MINUTE };
    const long: Recommendation = { ts: NOW - 2 * HISTORY_MS, replicas: 2, every: MINUTE };
    expect(recordDecision({ recommendations: [old, long], scalings: [] }, { ts: NOW, proposed: 4 }, MINUTE).recommendations).toEqual([long, { ts: NOW, replicas: 4, every: MINUTE }]);
  });

  it('reads a run as one evaluation per interval until the next run, and the latest until now, a few ms early or late', () => {
    const recommendations: Recommendation[] = [
      { ts: NOW - 10 * MINUTE + 40, replicas: 5, every: MINUTE },
      { ts: NOW - 6 * MINUTE - 30, replicas: 2, metricsMissing: true, every: MINUTE },
      { ts: NOW - 2 * MINUTE, replicas: 2 },
      { ts: NOW - MINUTE + 25, replicas: 1, every: MINUTE },
    ];
    expect(runsOf(recommendations, NOW)).toEqual([
      { replicas: 5, metricsMissing: false, first: NOW - 10 * MINUTE + 40, last: NOW - 7 * MINUTE + 40, evaluations: 4 },
      { replicas: 2, metricsMissing: true, first: NOW - 6 * MINUTE - 30, last: NOW - 3 * MINUTE - 30, evaluations: 4 },
      { replicas: 2, metricsMissing: false, first: NOW - 2 * MINUTE, last: NOW - 2 * MINUTE, evaluations: 1 },
      { replicas: 1, metricsMissing: false, first: NOW - MINUTE + 25, last: NOW - MINUTE + 25, evaluations: 1 },
    ]);
  });

  /** Decides once a minute on proposals `wanted` (null: no data), keeping the history as runs or one entry per evaluation. */
  function replay(policy: Record<string, unknown>, wanted: Array<number | null>, every?: number): string[] {
    let current = 4;
    let history = emptyHistory();
    return wanted.map((n, i) => {
      const now = NOW + i * MINUTE;
      const rule = { type: 'step', metric: 'load', window: '1m', steps: [{ above: -1, change: { exact: n ?? 0 } }] };
      const decision = decideCase({ policy: { rules: [rule], ...policy }, values: n === null ? {} : { 'load.mean.1m': 0 }, current, ...history, now });
      history = recordDecision(history, decision, every);
      if (decision.replicas !== current) history = recordScaling(history, { ts: now, from: current, to: decision.replicas });
      current = decision.replicas;
      return `${decision.replicas}: ${decision.reason}`;
    });
  }

  it.each([
    { name: 'stabilization in both directions', policy: { stabilization: { scaleOut: '3m', scaleIn: '5m' } }, wanted: [4, 8, 8, 8, 8, 2, 2, 6, 6, 1, 1, 1, 1, 1, 1, 1, 9, 9, 9, 9] },
    { name: 'a missingMetrics fallback', policy: { missingMetrics: { behavior: 'fallback', replicas: 7, afterReads: 3 } }, wanted: [4, null, null, 4, null, null, null, null, 4, 4, null, null, null] },
    { name: 'scaling to zero after an idle time', policy: { scaleToZero: { after: '4m' }, stabilization: { scaleIn: '2m' } }, wanted: [4, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0] },
  ])('decides as one entry per evaluation does: $name', ({ policy, wanted }) => {
    expect(replay(policy, wanted, MINUTE)).toEqual(replay(policy, wanted));
  });
});
