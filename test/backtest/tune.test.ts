import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicyFile } from '../../lib/backtest';
import { replayFigures, tunePolicy, tunePolicyInParallel, tuningHalf, type Figures } from '../../lib/backtest/tune';
import { DEFAULT_POLICY_BOUNDS } from '../../lib/policy';
import { generateTrace, TRACE_KINDS, type TraceKind } from '../../scripts/traces';

const root = join(import.meta.dirname, '..', '..');
const example = (name: string) => parsePolicyFile(readFileSync(join(root, 'examples', name), 'utf8'));
const hpa = example('policy-hpa.json');

// Two days of a service whose load drifts and jumps at random, at 25 requests a minute per replica.
const trace = generateTrace('walk', { days: 2, seed: 7 });
const options = { baseline: hpa, capacity: 25, startupDelayMs: 60_000, bounds: DEFAULT_POLICY_BOUNDS, maxCandidates: 60 };

const figures = (minutes: readonly number[], file: ReturnType<typeof parsePolicyFile>): Figures => replayFigures(minutes, file, 25, 60_000);

describe('Function: tunePolicy', () => {
  const result = tunePolicy(trace, options);

  it('finds a load rule that costs fewer replica-minutes than the HPA-style baseline on the half it tuned on, with no more overloads or actions', () => {
    const { baseline: base, tuned } = result.tuning;
    expect(result.meetsBaseline).toBe(true);
    expect(tuned.replicaMinutes).toBeLessThan(base.replicaMinutes);
    expect(tuned.minutesOverloaded).toBeLessThanOrEqual(base.minutesOverloaded);
    expect(tuned.scalingActions).toBeLessThanOrEqual(base.scalingActions);
    expect(result.candidates).toBeLessThanOrEqual(60);
  });

  it('weighs each scaling action as actionCost replica-minutes: a dearer action gives a policy that scales less', () => {
    expect(result.actionCost).toBe(10);
    const dear = tunePolicy(trace, { ...options, actionCost: 200 });
    expect(dear.tuning.tuned.scalingActions).toBeLessThan(result.tuning.tuned.scalingActions);
    expect(dear.meetsBaseline).toBe(true);
  });

  it('writes a policy --policy reads, whose replay gives the figures reported for each half and the whole trace', () => {
    const file = parsePolicyFile(JSON.stringify(result.policy));
    expect(file.policy.rules).toEqual([expect.objectContaining({ type: 'load', metric: 'cpu_ratio' })]);
    expect({ min: file.min, max: file.max }).toEqual({ min: hpa.min, max: hpa.max });
    expect([result.tuningMinutes, result.holdoutMinutes]).toEqual([1440, 1440]);
    expect(figures(tuningHalf(trace), file)).toEqual(result.tuning.tuned);
    expect(result.holdout).toEqual({ baseline: figures(trace.slice(1440), hpa), tuned: figures(trace.slice(1440), file) });
    expect(result.wholeTrace).toEqual({ baseline: figures(trace, hpa), tuned: figures(trace, file) });
  });

  it('gives the same policy for the same trace, in one thread or replaying each step elsewhere', async () => {
    expect(tunePolicy(trace, options)).toEqual(result);
    const elsewhere = async (policies: readonly ReturnType<typeof parsePolicyFile>[]) => policies.map((p) => figures(tuningHalf(trace), p));
    expect(await tunePolicyInParallel(trace, options, elsewhere)).toEqual(result);
  });
});

describe('The default policy (examples/policy.json)', () => {
  it('is the load rule, and pays fewer replica-minutes than the HPA-style target 60, scaling at most a third as often, on every kind of synthetic traffic', () => {
    const recommended = example('policy.json');
    expect(recommended.policy.rules).toEqual([expect.objectContaining({ type: 'load' })]);
    for (const kind of Object.keys(TRACE_KINDS) as TraceKind[]) {
      const minutes = generateTrace(kind, { days: 2, seed: 1 });
      const [load, target] = [recommended, hpa].map((file) => replayFigures(minutes, file, 25, 60_000)) as [Figures, Figures];
      expect({ kind, cheaper: load.replicaMinutes < target.replicaMinutes, calmer: load.scalingActions * 3 <= target.scalingActions }).toEqual({ kind, cheaper: true, calmer: true });
      // The price of less headroom: more minutes short of capacity on smooth noisy traffic, still few; most on
      // recurring bursts, which a prediction provisions before (docs/BACKTEST.md).
      expect(load.minutesOverloaded).toBeLessThan(minutes.length * 0.025);
    }
  });
});
