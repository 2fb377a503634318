import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicyFile, runBacktest } from '../../lib/backtest';
import { MAX_CANDIDATES, tunePolicy, type Figures } from '../../lib/backtest/tune';
import { DEFAULT_POLICY_BOUNDS } from '../../lib/policy';

const root = join(import.meta.dirname, '..', '..');
const baseline = parsePolicyFile(readFileSync(join(root, 'examples', 'policy.json'), 'utf8'));

// Four hours of a noisy service: 20 to 42 requests a minute, and 60 more for 3 minutes every 45.
const trace = Array.from({ length: 240 }, (_, m) => 20 + ((m * 7919) % 23) + (m % 45 < 3 ? 60 : 0));
const options = { baseline, capacity: 10, startupDelayMs: 60_000, bounds: DEFAULT_POLICY_BOUNDS };

function figures(minutes: readonly number[], file: ReturnType<typeof parsePolicyFile>): Figures {
  const { summary } = runBacktest(minutes, { ...file, capacity: 10, startupDelayMs: 60_000 });
  return { replicaMinutes: summary.replicaMinutes, minutesOverloaded: summary.minutesOverloaded, scalingActions: summary.scalingActions };
}

describe('Function: tunePolicy', () => {
  const result = tunePolicy(trace, options);

  it('finds a load rule that costs fewer replica-minutes than the baseline on the half it tuned on, with no more overloads or actions', () => {
    const { baseline: base, tuned } = result.tuning;
    expect(result.meetsBaseline).toBe(true);
    expect(tuned.replicaMinutes).toBeLessThan(base.replicaMinutes);
    expect(tuned.minutesOverloaded).toBeLessThanOrEqual(base.minutesOverloaded);
    expect(tuned.scalingActions).toBeLessThanOrEqual(base.scalingActions);
    expect(result.candidates).toBeLessThanOrEqual(MAX_CANDIDATES);
  });

  it('writes a policy --policy reads, whose replay gives the figures reported for each half and the whole trace', () => {
    const file = parsePolicyFile(JSON.stringify(result.policy));
    expect(file.policy.rules).toEqual([expect.objectContaining({ type: 'load', metric: 'cpu_ratio' })]);
    expect({ min: file.min, max: file.max }).toEqual({ min: baseline.min, max: baseline.max });
    expect([result.tuningMinutes, result.holdoutMinutes]).toEqual([120, 120]);
    expect(figures(trace.slice(0, 120), file)).toEqual(result.tuning.tuned);
    expect(result.holdout).toEqual({ baseline: figures(trace.slice(120), baseline), tuned: figures(trace.slice(120), file) });
    expect(result.wholeTrace).toEqual({ baseline: figures(trace, baseline), tuned: figures(trace, file) });
  });

  it('gives the same policy for the same trace', () => {
    expect(tunePolicy(trace, options)).toEqual(result);
  });
});
