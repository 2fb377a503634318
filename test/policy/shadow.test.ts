import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../lib/backtest';
import { decide } from '../../lib/policy/decide';
import { emptyHistory, recordDecision, recordScaling } from '../../lib/policy/history';
import { observationsFromBuckets } from '../../lib/policy/observations';
import { policySchema, type Policy } from '../../lib/policy/schema';
import type { Fleet } from '../../lib/policy/readiness';
import { advanceShadow, advanceShadows, asSeenBy, fingerprintOf, startShadow, type ShadowState } from '../../lib/policy/shadow';
import { cpuRatio, create, desired, ready, setDesired } from '../../lib/simulatedService';
import type { MetricBucket } from '../../lib/statistics';
import { MINUTE, NOW } from './fixtures';

const CAPACITY = 50;
const live = policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] });
const target90 = policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 90 }] });
const load = policySchema.parse({ rules: [{ type: 'load', metric: 'cpu_ratio', target: 90 }] });

/** Quiet, a ramp to a busy plateau, a drop, and a few spikes: requests a minute. */
const TRACE = [
  ...Array.from({ length: 20 }, () => 60),
  ...Array.from({ length: 20 }, (_, i) => 60 + i * 17),
  ...Array.from({ length: 30 }, (_, i) => 400 + (i % 3) * 20),
  ...Array.from({ length: 20 }, () => 90),
  ...Array.from({ length: 30 }, (_, i) => (i % 10 === 0 ? 350 : 80)),
];

const shadowOf = (name: string, policy: Policy) => ({ name, policy, fingerprint: fingerprintOf(policy) });

/**
 * The evaluator over a simulated service, once a minute at its start: the live policy decides
 * and acts on the service, each shadow decides beside it on the same buckets, then the minute's
 * load meets the ready replicas and its cpu_ratio becomes a bucket, as the backtest replays it.
 * One more evaluation after the last minute scores it.
 */
function replay(trace: readonly number[], shadows: ReadonlyArray<{ name: string; policy: Policy; fingerprint: string }>, min = 1, max = 20) {
  const readinessDelayMs = MINUTE;
  let history = emptyHistory();
  let service = create(min, NOW);
  let states: Record<string, ShadowState> | undefined;
  const buckets: MetricBucket[] = [];
  const shadowReplicas: Record<string, number[]> = {};
  for (let minute = 0; minute <= trace.length; minute++) {
    const now = NOW + minute * MINUTE;
    const current = desired(service);
    const liveFleet: Fleet = { replicas: current, scalings: history.scalings, readinessDelayMs };
    states = advanceShadows(shadows, shadows.map((s) => s.name), states, { live: liveFleet, min, max, buckets, bucketMs: MINUTE, now });
    for (const [name, state] of Object.entries(states)) (shadowReplicas[name] ??= []).push(state.replicas);
    if (minute === trace.length) break;
    const decision = decide({ policy: live, min, max, currentReplicas: current, observations: observationsFromBuckets(buckets, now, MINUTE), history, now });
    history = recordDecision(history, decision);
    if (decision.replicas !== current) {
      service = setDesired(service, decision.replicas, now, readinessDelayMs);
      history = recordScaling(history, { ts: now, from: current, to: decision.replicas });
    }
    const cpu = cpuRatio(service, trace[minute] as number, now, CAPACITY);
    const samples = Math.max(ready(service, now), 1);
    buckets.push({ metric: 'cpu_ratio', start: now, count: samples, sum: cpu * samples, min: cpu, max: cpu });
  }
  return { states: states ?? {}, shadowReplicas };
}

/** The backtest's figures for a policy on the trace, in the scores' terms. */
function backtestScore(policy: Policy, trace: readonly number[]) {
  const { summary, series } = runBacktest(trace, { policy, min: 1, max: 20, capacity: CAPACITY, startupDelayMs: MINUTE });
  return {
    score: { replicaMinutes: summary.replicaMinutes, overloadedMinutes: summary.minutesOverloaded, scalingActions: summary.scalingActions },
    replicas: series.map((row) => row.desiredReplicas),
  };
}

describe('Function: advanceShadows over a scripted load', () => {
  it('a shadow with the live policy decides and scores exactly as the live policy, and both as the backtest', () => {
    const { states, shadowReplicas } = replay(TRACE, [shadowOf('same', live)]);
    const state = states.same as ShadowState;
    const expected = backtestScore(live, TRACE);
    expect(state.minutes).toBe(TRACE.length);
    expect(state.live).toEqual(expected.score);
    expect(state.shadow).toEqual(expected.score);
    // After each minute's decision (the last is the extra evaluation that scores the last minute).
    expect(shadowReplicas.same?.slice(0, TRACE.length)).toEqual(expected.replicas);
    expect(expected.score.overloadedMinutes).toBeGreaterThan(0);
  });

  it('a shadow with a higher target ends with fewer replica-minutes, scored as the backtest scores that policy on the same load', () => {
    const { states } = replay(TRACE, [shadowOf('target-90', target90), shadowOf('load-90', load)]);
    for (const [name, policy] of [['target-90', target90], ['load-90', load]] as const) {
      expect(states[name]?.live, name).toEqual(backtestScore(live, TRACE).score);
      expect(states[name]?.shadow, name).toEqual(backtestScore(policy, TRACE).score);
    }
    const higher = states['target-90'] as ShadowState;
    expect(higher.shadow.replicaMinutes).toBeLessThan(higher.live.replicaMinutes);
    // The load rule holds its replicas after a scale-out: fewer actions than target tracking.
    const held = states['load-90'] as ShadowState;
    expect(held.shadow.scalingActions).toBeLessThan(held.live.scalingActions);
  });

  it('starts afresh when its policy is edited, and drops a shadow no longer in the document', () => {
    const { states } = replay(TRACE.slice(0, 30), [shadowOf('a', target90), shadowOf('b', load)]);
    const now = NOW + 40 * MINUTE;
    const liveFleet: Fleet = { replicas: 3, scalings: [], readinessDelayMs: MINUTE };
    const edited = shadowOf('a', policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 80 }] }));
    const next = advanceShadows([edited], ['a'], states, { live: liveFleet, min: 1, max: 20, buckets: [], bucketMs: MINUTE, now });
    expect(Object.keys(next)).toEqual(['a']);
    expect(next.a).toMatchObject({ since: now, minutes: 0, live: { replicaMinutes: 0 }, shadow: { replicaMinutes: 0 }, scalings: [] });
    // No data yet: it holds at the live replicas it started from.
    expect(next.a?.replicas).toBe(3);
    expect(next.a?.lastDecision?.reason).toMatch(/no data/);
  });
});

describe('Function: advanceShadow keeps only the history its policy reads', () => {
  const liveFleet: Fleet = { replicas: 3, scalings: [], readinessDelayMs: MINUTE };
  /** Evaluations a minute apart, each with the minute before at cpu_ratio 50, or with no data at all. */
  const run = (policy: Policy, minutes: number, data = true) => {
    const shadow = shadowOf('s', policy);
    let state: ShadowState | undefined;
    for (let i = 0; i < minutes; i++) {
      const now = NOW + i * MINUTE;
      const buckets = data ? [{ metric: 'cpu_ratio', start: now - MINUTE, count: 3, sum: 150, min: 50, max: 50 }] : [];
      state = advanceShadow({ shadow, state, live: liveFleet, min: 1, max: 20, buckets, bucketMs: MINUTE, now });
    }
    return state as ShadowState;
  };

  it('the recommendations of its stabilization window', () => {
    // Scale-in stabilization 5m, read by the next decision: the last five of thirty.
    expect(run(live, 30).recommendations.map((r) => r.ts)).toEqual([25, 26, 27, 28, 29].map((i) => NOW + i * MINUTE));
  });

  it('the run of evaluations without data a missingMetrics fallback counts, and falls back as the live policy would', () => {
    const fallback = policySchema.parse({ ...target90, stabilization: { scaleIn: '0s' }, missingMetrics: { behavior: 'fallback', replicas: 2, afterReads: 12 } });
    const state = run(fallback, 12, false);
    expect(state.recommendations).toHaveLength(12);
    expect(state.replicas).toBe(2);
    expect(state.lastDecision?.reason).toContain('no data in 12 evaluations in a row: missingMetrics fallback → 2');
  });
});

describe('Function: advanceShadow a few seconds into each minute, as the evaluator runs', () => {
  it('reads the minute of its own scale-in as its fewer replicas read it, and holds', () => {
    // 14 live replicas at 57.1 % carry 400 requests of 50 a replica, every minute.
    const minute = (start: number): MetricBucket => ({ metric: 'cpu_ratio', start, count: 14, sum: (14 * 100 * 400) / (14 * 50), min: 57.1, max: 57.1 });
    const liveFleet: Fleet = { replicas: 14, scalings: [], readinessDelayMs: MINUTE };
    const policy = policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 90 }], stabilization: { scaleIn: '0s' } });
    const shadow = shadowOf('target-90', policy);
    let state: ShadowState | undefined;
    for (let i = 0; i < 4; i++) {
      const now = NOW + i * MINUTE + 2_000;
      const buckets = [minute(NOW - MINUTE), ...Array.from({ length: i + 1 }, (_, j) => minute(NOW + j * MINUTE))];
      state = advanceShadow({ shadow, state, live: liveFleet, min: 1, max: 20, buckets, bucketMs: MINUTE, now });
    }
    expect(state?.scalings).toEqual([{ ts: NOW + 2_000, from: 14, to: 9 }]);
    expect(state?.lastDecision?.reason).toBe('cpu_ratio mean 88.9 within 10% of target 90');
  });
});

describe('Function: asSeenBy', () => {
  const bucket = (metric: string, start: number, mean: number, count: number): MetricBucket => ({ metric, start, count, sum: mean * count, min: mean, max: mean });
  const fleet = (replicas: number, scalings: Fleet['scalings'] = []): Fleet => ({ replicas, scalings, readinessDelayMs: MINUTE });
  const mean = (b: MetricBucket | undefined) => (b ? b.sum / b.count : undefined);

  // The minute before NOW: cpu_ratio mean 40 in 24 samples (6 a replica), a load of 40 × the live replicas ready as it ended.
  it.each([
    { name: 'fewer shadow replicas read higher', live: fleet(4), shadow: fleet(2), mean: 80 },
    { name: 'more shadow replicas read lower', live: fleet(2), shadow: fleet(8), mean: 10 },
    { name: 'a shadow replica added 30 s ago is not ready yet', live: fleet(4), shadow: fleet(3, [{ ts: NOW - 30_000, from: 2, to: 3 }]), mean: 80 },
    { name: 'a live replica added 30 s ago carried nothing', live: fleet(5, [{ ts: NOW - 30_000, from: 4, to: 5 }]), shadow: fleet(2), mean: 80 },
    { name: 'a shadow replica removed 30 s ago carries nothing', live: fleet(4), shadow: fleet(2, [{ ts: NOW - 30_000, from: 4, to: 2 }]), mean: 80 },
    { name: 'a live replica removed 30 s ago carries nothing', live: fleet(2, [{ ts: NOW - 30_000, from: 4, to: 2 }]), shadow: fleet(2), mean: 40 },
    { name: 'no shadow replica ready: one replica would carry it all', live: fleet(2), shadow: fleet(0), mean: 80 },
  ])('$name', (c) => {
    const [seen] = asSeenBy([bucket('cpu_ratio', NOW - MINUTE, 40, 24)], c.live, c.shadow, new Set(), MINUTE, NOW);
    expect(mean(seen)).toBeCloseTo(c.mean, 9);
    expect(seen?.max).toBeCloseTo(c.mean, 9);
    // The total stays: fewer replicas send fewer samples, each higher.
    expect(seen?.sum).toBe(40 * 24);
  });

  it('leaves a metric a load rule reads as a total (perReplica false) as it is', () => {
    const queue = bucket('queue_length', NOW, 300, 2);
    expect(asSeenBy([queue], fleet(4), fleet(1), new Set(['queue_length']), MINUTE, NOW)).toEqual([queue]);
  });
});

describe('Function: scoring', () => {
  const liveFleet: Fleet = { replicas: 2, scalings: [], readinessDelayMs: MINUTE };
  const cpu = (start: number, mean: number): MetricBucket => ({ metric: 'cpu_ratio', start, count: 2, sum: mean * 2, min: mean, max: mean });
  const shadow = { name: 's', policy: target90, fingerprint: fingerprintOf(target90) };
  const tick = (state: ShadowState, buckets: MetricBucket[], now: number) =>
    advanceShadow({ shadow, state, live: liveFleet, min: 1, max: 20, buckets, bucketMs: MINUTE, now });

  it('counts a minute overloaded when its load is more than the ready replicas carry at 100 % cpu_ratio, and one without a reading as not', () => {
    const start = { ...startShadow(shadow.fingerprint, 1, NOW, MINUTE) };
    // 2 live replicas at 70 % is a load of 140: the shadow's 1 replica is overloaded, the live 2 are not; the next minute has no reading.
    const after = tick(start, [cpu(NOW, 70)], NOW + 2 * MINUTE);
    expect(after.minutes).toBe(2);
    expect(after.live).toEqual({ replicaMinutes: 4, overloadedMinutes: 0, scalingActions: 0 });
    expect(after.shadow).toEqual({ replicaMinutes: 2, overloadedMinutes: 1, scalingActions: 0 });
  });

  it('scores only the last five minutes after a gap, and never a minute twice', () => {
    const start = startShadow(shadow.fingerprint, 2, NOW, MINUTE);
    const later = tick(start, [], NOW + 120 * MINUTE);
    expect(later.minutes).toBe(5);
    expect(tick(later, [], NOW + 120 * MINUTE + 30_000).minutes).toBe(5);
  });

  it('scores whole buckets: a 10 s bucket is a sixth of a minute', () => {
    const start = startShadow(shadow.fingerprint, 2, NOW + 5_000, 10_000);
    const after = advanceShadow({ shadow, state: start, live: liveFleet, min: 1, max: 20, buckets: [], bucketMs: 10_000, now: NOW + 60_000 });
    // Buckets from NOW + 10 s to NOW + 60 s: five of them.
    expect(after.minutes).toBeCloseTo(5 / 6, 9);
    expect(after.live.replicaMinutes).toBeCloseTo(10 / 6, 9);
  });
});
