import { describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS } from '../../lib/policy/defaults';
import { policySchema, policySchemaWithin } from '../../lib/policy/schema';
import { problemLines } from '../support/problems';

// The policy block of SPEC.md's service document, verbatim.
const SPEC_POLICY = {
  rules: [
    { type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '10m', increaseBy: 1, scaleInBelow: 10, inDuration: '10m', decreaseBy: 1 },
    { type: 'target', metric: 'cpu_ratio', target: 60, tolerance: 0.1 },
    { type: 'step', metric: 'cpu_ratio', statistic: 'mean', window: '2m', steps: [{ above: 70, change: '+100%' }, { above: 50, change: 1 }, { below: 20, change: -1 }] },
  ],
  cooldown: { scaleOut: '60s', scaleIn: '300s' },
  stabilization: { scaleOut: '0s', scaleIn: '300s' },
  limits: {
    scaleOut: [{ type: 'replicas', value: 4, period: '60s' }, { type: 'percent', value: 100, period: '60s' }],
    scaleIn: [{ type: 'percent', value: 50, period: '60s' }],
  },
};

/** Each problem as "path: message", the way the API reports it. */
function problems(input: unknown): string[] {
  return problemLines(policySchema, input);
}

const withRule = (rule: Record<string, unknown>) => ({ rules: [rule] });
const threshold = { type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, scaleInBelow: 10 };

describe('policySchema', () => {
  it("accepts SPEC.md's example and fills in only what it leaves out", () => {
    expect(policySchema.parse(SPEC_POLICY)).toEqual({
      ...SPEC_POLICY,
      rules: [
        SPEC_POLICY.rules[0],
        { type: 'target', metric: 'cpu_ratio', target: 60, tolerance: 0.1, statistic: 'mean', window: '1m' },
        SPEC_POLICY.rules[2],
      ],
      limits: { ...SPEC_POLICY.limits, selectPolicy: { scaleOut: 'max', scaleIn: 'max' } },
      readinessDelay: '1m',
      missingMetrics: { behavior: 'hold' },
    });
  });

  it('applies every default to a minimal policy', () => {
    expect(policySchema.parse(withRule({ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70 }))).toEqual({
      rules: [{ type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '5m', increaseBy: 1, inDuration: '5m', decreaseBy: 1 }],
      cooldown: { scaleOut: '0s', scaleIn: '0s' },
      stabilization: { scaleOut: '0s', scaleIn: '5m' },
      limits: {
        scaleOut: [{ type: 'replicas', value: 4, period: '1m' }, { type: 'percent', value: 100, period: '1m' }],
        scaleIn: [{ type: 'percent', value: 100, period: '1m' }],
        selectPolicy: { scaleOut: 'max', scaleIn: 'max' },
      },
      readinessDelay: '1m',
      missingMetrics: { behavior: 'hold' },
    });
  });

  it('fills selectPolicy per direction and keeps given limits', () => {
    const parsed = policySchema.parse({ ...withRule(threshold), limits: { scaleIn: [], selectPolicy: { scaleIn: 'disabled' } } });
    expect(parsed.limits).toEqual({ scaleOut: POLICY_DEFAULTS.limits.scaleOut, scaleIn: [], selectPolicy: { scaleOut: 'max', scaleIn: 'disabled' } });
  });

  it.each([
    ['a built-in metric', 'mem_ratio'],
    ['a custom metric', 'http_requests_per_second'],
    ['a dotted custom metric', 'queue.depth'],
  ])('accepts %s', (_, metric) => {
    expect(problems(withRule({ type: 'target', metric, target: 100 }))).toEqual([]);
  });

  it.each([
    ['no rules', { rules: [] }, ['rules: a policy needs at least one rule']],
    ['an unknown rule type', withRule({ type: 'schedule', metric: 'cpu_ratio' }), ['rules[0].type: must be a rule with type "threshold", "target", "step" or "load"']],
    ['a threshold rule with neither line', withRule({ type: 'threshold', metric: 'cpu_ratio' }), ['rules[0].scaleOutAbove: a threshold rule needs scaleOutAbove, scaleInBelow or both']],
    ['scaleInBelow not under scaleOutAbove', withRule({ ...threshold, scaleInBelow: 70 }), ['rules[0].scaleInBelow: scaleInBelow must be less than scaleOutAbove, or the rule would scale out and in at once']],
    ['a misspelt field', withRule({ ...threshold, scaleOutAbov: 80 }), ['rules[0]: Unrecognized key: "scaleOutAbov"']],
    ['a metric name starting with a digit', withRule({ ...threshold, metric: '1cpu' }), ['rules[0].metric: must be a built-in metric or match ^[A-Za-z_][A-Za-z0-9_.]{0,63}$']],
    ['an unknown statistic', withRule({ ...threshold, statistic: 'avg' }), ['rules[0].statistic: Invalid option: expected one of "mean"|"min"|"max"|"sum"|"count"']],
    ['a duration in words', withRule({ ...threshold, outDuration: '10 minutes' }), ['rules[0].outDuration: must be a duration such as "30s", "10m" or "1h"']],
    ['an empty window', withRule({ ...threshold, inDuration: '0s' }), ['rules[0].inDuration: must be longer than 0s']],
    ['increaseBy 0', withRule({ ...threshold, increaseBy: 0 }), ['rules[0].increaseBy: must be a whole number of replicas such as 1, or a percent such as "50%"']],
    ['decreaseBy "0%"', withRule({ ...threshold, decreaseBy: '0%' }), ['rules[0].decreaseBy: must be a whole number of replicas such as 1, or a percent such as "50%"']],
    ['a target of 0', withRule({ type: 'target', metric: 'cpu_ratio', target: 0 }), ['rules[0].target: must be a number > 0: the value each replica should carry']],
    ['a tolerance of 1', withRule({ type: 'target', metric: 'cpu_ratio', target: 60, tolerance: 1 }), ['rules[0].tolerance: must be at least 0 and less than 1']],
    ['a scale-in tolerance of 1', withRule({ type: 'target', metric: 'cpu_ratio', target: 60, tolerance: { scaleOut: 0.05, scaleIn: 1 } }), ['rules[0].tolerance.scaleIn: must be at least 0 and less than 1']],
    ['a tolerance that is neither', withRule({ type: 'target', metric: 'cpu_ratio', target: 60, tolerance: '10%' }), ['rules[0].tolerance: must be a number at least 0 and less than 1, or {"scaleOut": n, "scaleIn": n} with each such a number']],
    ['a step rule without steps', withRule({ type: 'step', metric: 'cpu_ratio', steps: [] }), ['rules[0].steps: a step rule needs at least one step']],
    ['a step with above and below', withRule({ type: 'step', metric: 'cpu_ratio', steps: [{ above: 70, below: 20, change: 1 }] }), ['rules[0].steps[0].above: a step has exactly one of above or below']],
    ['a step with neither', withRule({ type: 'step', metric: 'cpu_ratio', steps: [{ change: 1 }] }), ['rules[0].steps[0].above: a step has exactly one of above or below']],
    ['an unsigned percent change', withRule({ type: 'step', metric: 'cpu_ratio', steps: [{ above: 70, change: '50%' }] }), ['rules[0].steps[0].change: must be a whole number of replicas such as 1 or -1, a percent such as "+100%" or "-25%", or {"exact": N}']],
    ['a fractional change', withRule({ type: 'step', metric: 'cpu_ratio', steps: [{ above: 70, change: 1.5 }] }), ['rules[0].steps[0].change: must be a whole number of replicas such as 1 or -1, a percent such as "+100%" or "-25%", or {"exact": N}']],
    ['a negative exact change', withRule({ type: 'step', metric: 'cpu_ratio', steps: [{ above: 70, change: { exact: -1 } }] }), ['rules[0].steps[0].change.exact: must be a whole number >= 0']],
    ['a limit of 0 replicas', { ...withRule(threshold), limits: { scaleOut: [{ type: 'replicas', value: 0, period: '1m' }] } }, ['limits.scaleOut[0].value: Too small: expected number to be >=1']],
    ['a scale-in limit over 100%', { ...withRule(threshold), limits: { scaleIn: [{ type: 'percent', value: 150, period: '1m' }] } }, ['limits.scaleIn[0].value: a scale-in limit cannot remove more than 100% of the replicas']],
    ['a limit without a period', { ...withRule(threshold), limits: { scaleIn: [{ type: 'percent', value: 10, period: '0s' }] } }, ['limits.scaleIn[0].period: must be longer than 0s']],
    ['an unknown selectPolicy', { ...withRule(threshold), limits: { selectPolicy: { scaleOut: 'fastest' } } }, ['limits.selectPolicy.scaleOut: Invalid option: expected one of "max"|"min"|"disabled"']],
    ['a cooldown in seconds as a number', { ...withRule(threshold), cooldown: { scaleOut: 60 } }, ['cooldown.scaleOut: Invalid input: expected string, received number']],
    ['a window longer than metrics are kept', withRule({ ...threshold, outDuration: '999999h' }), ['rules[0].outDuration: must be at most 24h: metrics are kept 24h (TIDE_RETENTION_SECONDS)']],
    ['a window too long to count', withRule({ ...threshold, inDuration: `${'9'.repeat(400)}h` }), ['rules[0].inDuration: must be at most 24h: metrics are kept 24h (TIDE_RETENTION_SECONDS)']],
    ['a step window of 24h1s', withRule({ type: 'step', metric: 'cpu_ratio', window: '24h1s', steps: [{ above: 70, change: 1 }] }), ['rules[0].window: must be at most 24h: metrics are kept 24h (TIDE_RETENTION_SECONDS)']],
    ['a cooldown past the hour of history', { ...withRule(threshold), cooldown: { scaleOut: '61m' } }, ['cooldown.scaleOut: must be at most 1h: Tide keeps 1h of scaling history']],
    ['a stabilization window past the hour of history', { ...withRule(threshold), stabilization: { scaleIn: '2h' } }, ['stabilization.scaleIn: must be at most 1h: Tide keeps 1h of scaling history']],
    ['a limit period past the hour of history', { ...withRule(threshold), limits: { scaleIn: [{ type: 'percent', value: 10, period: '1h1ms' }] } }, ['limits.scaleIn[0].period: must be at most 1h: Tide keeps 1h of scaling history']],
    ['a readinessDelay past the hour of history', { ...withRule(threshold), readinessDelay: '999999h' }, ['readinessDelay: must be at most 1h: Tide keeps 1h of scaling history']],
    ['an unknown missingMetrics behavior', { ...withRule(threshold), missingMetrics: { behavior: 'zero' } }, ['missingMetrics.behavior: must be {"behavior": "hold"} or {"behavior": "fallback", "replicas": N, "afterReads": N}']],
    ['a fallback without replicas', { ...withRule(threshold), missingMetrics: { behavior: 'fallback', afterReads: 3 } }, ['missingMetrics.replicas: must be a whole number >= 0']],
    ['a fallback after 0 reads', { ...withRule(threshold), missingMetrics: { behavior: 'fallback', replicas: 4, afterReads: 0 } }, ['missingMetrics.afterReads: must be a whole number from 1 to 60']],
    ['a fallback past the hour of history', { ...withRule(threshold), missingMetrics: { behavior: 'fallback', replicas: 4, afterReads: 61 } }, ['missingMetrics.afterReads: must be at most 60: Tide keeps 1h of scaling history, 60 evaluations at one a minute']],
    ['a hold with a count', { ...withRule(threshold), missingMetrics: { behavior: 'hold', replicas: 4 } }, ['missingMetrics: Unrecognized key: "replicas"']],
  ])('rejects %s', (_, input, expected) => {
    expect(problems(input)).toEqual(expected);
  });

  it.each([
    ['a count', 2],
    ['a signed percent', '-25%'],
    ['an exact count', { exact: 0 }],
    ['no change', 0],
  ])('accepts a step change of %s', (_, change) => {
    expect(problems(withRule({ type: 'step', metric: 'cpu_ratio', steps: [{ below: 20, change }] }))).toEqual([]);
  });

  it('bounds windows by the retention the deployment keeps metrics for', () => {
    const weekly = policySchemaWithin({ retentionSeconds: 7 * 24 * 3600 });
    expect(problemLines(weekly, withRule({ ...threshold, outDuration: '48h' }))).toEqual([]);
    expect(problemLines(weekly, withRule({ ...threshold, outDuration: '169h' }))).toEqual(['rules[0].outDuration: must be at most 168h: metrics are kept 168h (TIDE_RETENTION_SECONDS)']);
    const hourly = policySchemaWithin({ retentionSeconds: 3600 });
    expect(problemLines(hourly, withRule({ ...threshold, outDuration: '61m' }))).toEqual(['rules[0].outDuration: must be at most 1h: metrics are kept 1h (TIDE_RETENTION_SECONDS)']);
    // The history's hour holds whatever the retention.
    expect(problemLines(weekly, { ...withRule(threshold), cooldown: { scaleIn: '2h' } })).toEqual(['cooldown.scaleIn: must be at most 1h: Tide keeps 1h of scaling history']);
  });
});
