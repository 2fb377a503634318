import { describe, expect, it } from 'vitest';
import { HISTORY_ENTRIES, HISTORY_MS } from '../../lib/policy/defaults';
import { emptyHistory, recordDecision, recordScaling, type History, type Recommendation, type ScalingRecord } from '../../lib/policy/history';
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
