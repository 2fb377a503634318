import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicyFile } from '../../lib/backtest';
import { replayFigures, replayJob, tunePolicy, tunePolicyInParallel, type Figures, type ReplayJob } from '../../lib/backtest/tune';
import { DEFAULT_POLICY_BOUNDS } from '../../lib/policy';
import { generateTrace, TRACE_KINDS, type TraceKind } from '../../scripts/traces';

const root = join(import.meta.dirname, '..', '..');
const example = (name: string) => parsePolicyFile(readFileSync(join(root, 'examples', name), 'utf8'));
const hpa = example('policy-hpa.json');

// A day of a service whose load drifts and jumps at random, at 25 requests a minute per replica.
const trace = generateTrace('walk', { days: 1, seed: 7 });
const options = { baseline: hpa, capacity: 25, startupDelayMs: 60_000, bounds: DEFAULT_POLICY_BOUNDS, maxCandidates: 60 };

const figures = (minutes: readonly number[], file: ReturnType<typeof parsePolicyFile>): Figures => replayFigures(minutes, file, 25, 60_000);

describe('Function: tunePolicy', () => {
  const result = tunePolicy(trace, options);

  it('finds a load rule that costs fewer replica-minutes than the HPA-style baseline on the whole trace, with no more overloads or actions', () => {
    const { baseline: base, tuned } = result.wholeTrace;
    expect(result).toMatchObject({ tunedOn: 'whole trace', meetsBaseline: true });
    expect(tuned.replicaMinutes).toBeLessThan(base.replicaMinutes);
    expect(tuned.minutesOverloaded).toBeLessThanOrEqual(base.minutesOverloaded);
    expect(tuned.scalingActions).toBeLessThanOrEqual(base.scalingActions);
    expect(result.candidates).toBeLessThanOrEqual(60);
  });

  it('weighs each scaling action as actionCost replica-minutes: a dearer action gives a policy that scales less', () => {
    expect(result.actionCost).toBe(10);
    const dear = tunePolicy(trace, { ...options, actionCost: 200 });
    expect(dear.wholeTrace.tuned.scalingActions).toBeLessThan(result.wholeTrace.tuned.scalingActions);
    expect(dear.meetsBaseline).toBe(true);
  }, 120_000);

  it('writes a policy --policy reads, whose replay gives the figures reported for the whole trace and each half', () => {
    const file = parsePolicyFile(JSON.stringify(result.policy));
    expect(file.policy.rules).toEqual([expect.objectContaining({ type: 'load', metric: 'cpu_ratio' })]);
    expect({ min: file.min, max: file.max }).toEqual({ min: hpa.min, max: hpa.max });
    expect(result.wholeTrace).toEqual({ minutes: 1440, baseline: figures(trace, hpa), tuned: figures(trace, file) });
    expect(result.firstHalf).toEqual({ minutes: 720, baseline: figures(trace.slice(0, 720), hpa), tuned: figures(trace.slice(0, 720), file) });
    expect(result.secondHalf).toEqual({ minutes: 720, baseline: figures(trace.slice(720), hpa), tuned: figures(trace.slice(720), file) });
  });

  it('with holdout, tunes on the first half alone: within the baseline there, and checked on the second half it never saw', () => {
    const held = tunePolicy(trace, { ...options, holdout: true });
    expect(held).toMatchObject({ tunedOn: 'first half', meetsBaseline: true });
    const { baseline: base, tuned } = held.firstHalf;
    expect(tuned.replicaMinutes).toBeLessThan(base.replicaMinutes);
    expect(tuned.minutesOverloaded).toBeLessThanOrEqual(base.minutesOverloaded);
    expect(tuned.scalingActions).toBeLessThanOrEqual(base.scalingActions);
    const file = parsePolicyFile(JSON.stringify(held.policy));
    expect(held.secondHalf).toEqual({ minutes: 720, baseline: figures(trace.slice(720), hpa), tuned: figures(trace.slice(720), file) });
  }, 120_000);

  it('gives the same policy for the same trace, in one thread or replaying each step elsewhere', async () => {
    expect(tunePolicy(trace, options)).toEqual(result);
    const elsewhere = async (jobs: readonly ReplayJob[]) => jobs.map(replayJob(trace, 25, 60_000));
    expect(await tunePolicyInParallel(trace, options, elsewhere)).toEqual(result);
  }, 120_000);
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
