import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePolicyFile } from '../../lib/backtest';
import { ValidationError } from '../../lib/errors';
import { POLICY_DEFAULTS } from '../../lib/policy';

const TARGET_RULE = { type: 'target', metric: 'cpu_ratio', target: 60 };

function problems(doc: unknown): string[] {
  try {
    parsePolicyFile(typeof doc === 'string' ? doc : JSON.stringify(doc));
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return (error.details ?? []).map((p) => `${p.path}: ${p.message}`);
  }
}

describe('Function: parsePolicyFile', () => {
  it('reads min, max and the policy with every default applied', () => {
    const parsed = parsePolicyFile(JSON.stringify({ min: 1, max: 10, policy: { rules: [TARGET_RULE] } }));
    expect(parsed.min).toBe(1);
    expect(parsed.max).toBe(10);
    expect(parsed.policy.rules[0]).toEqual({ ...TARGET_RULE, statistic: 'mean', tolerance: 0.1, window: '1m' });
    expect(parsed.policy.stabilization).toEqual(POLICY_DEFAULTS.stabilization);
  });

  it('takes a whole service document as PUT takes it, target and all', () => {
    const doc = {
      service: 'myweb', namespace: 'default', mode: 'auto', min: 2, max: 8, evaluationInterval: '1m',
      target: { provider: 'swarm', endpoint: 'tcp://manager:2376', serviceId: '6dnh8i971l5h' },
      policy: { rules: [TARGET_RULE] },
    };
    expect(parsePolicyFile(JSON.stringify(doc))).toMatchObject({ min: 2, max: 8 });
  });

  it("converts a Swarm autoscaler row, as PUT does", () => {
    const row = { min_no: 1, max_no: 10, cond_item: 'cpu_ratio', out_cond: '70%', in_cond: '10%', out_duration: '10m', in_duration: '10m' };
    const parsed = parsePolicyFile(JSON.stringify(row));
    expect(parsed).toMatchObject({ min: 1, max: 10 });
    expect(parsed.policy.rules[0]).toMatchObject({ type: 'threshold', scaleOutAbove: 70, scaleInBelow: 10, outDuration: '10m' });
  });

  it("converts an Alauda autoscaling_config, as PUT does", () => {
    const config = { metric_name: 'CPU_UTILIZATION', upper_threshold: 0.6, lower_threshold: 0.1, minimum_num_instances: 1, maximum_num_instances: 6, wait_period: 30 };
    const parsed = parsePolicyFile(JSON.stringify({ autoscaling_config: config }));
    expect(parsed).toMatchObject({ min: 1, max: 6, policy: { cooldown: { scaleOut: '30s', scaleIn: '30s' } } });
  });

  it('reads the example policies', () => {
    for (const file of ['policy.json', 'policy-hpa.json', 'policy-load.json', 'policy-threshold.json']) {
      expect(() => parsePolicyFile(readFileSync(join(import.meta.dirname, '..', '..', 'examples', file), 'utf8'))).not.toThrow();
    }
  });

  it.each([
    { name: 'text that is not JSON', doc: '{"min": 1,', problems: [expect.stringMatching(/^: is not JSON: /)] },
    { name: 'a JSON array', doc: [], problems: [': must be a JSON object with min, max and policy'] },
    { name: 'min above max', doc: { min: 5, max: 2, policy: { rules: [TARGET_RULE] } }, problems: ['min: min must not exceed max'] },
    { name: 'a missing policy', doc: { min: 1, max: 2 }, problems: [expect.stringMatching(/^policy: /)] },
    { name: 'a bad rule', doc: { min: 1, max: 2, policy: { rules: [{ ...TARGET_RULE, target: 0 }] } }, problems: ['policy.rules[0].target: must be a number > 0: the value each replica should carry'] },
    { name: 'a misspelt field', doc: { min: 1, max: 2, polcy: {}, policy: { rules: [TARGET_RULE] } }, problems: [expect.stringMatching(/polcy/)] },
    {
      name: 'both a policy and a legacy policy',
      doc: { min_no: 1, max_no: 2, cond_item: 'cpu_ratio', out_cond: '70%', in_cond: '10%', out_duration: '1m', in_duration: '1m', policy: { rules: [TARGET_RULE] } },
      problems: ['min_no: give either policy or a swarm policy, not both'],
    },
  ])('refuses $name, naming the field', ({ doc, problems: expected }) => {
    expect(problems(doc)).toEqual(expected);
  });
});
