import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { convertLegacyPolicy } from '../../lib/policy/legacy';
import { policySchema } from '../../lib/policy/schema';
import { formatPath } from '../../lib/validation';

// Pasted from seeds/002-alauda-service-api.txt (the service creation example).
const ALAUDA_CONFIG = {
  metric_name: 'CPU_UTILIZATION',
  metric_stat: 'MEAN',
  upper_threshold: '0.6',
  lower_threshold: '0.1',
  decrease_delta: '1',
  increase_delta: '1',
  minimum_num_instances: '1',
  maximum_num_instances: '6',
  wait_period: '30',
};

// The row of seeds/001-docker-swarm-autoscaler-das.txt's insert:
// values(1, 1, 10, 3, 'cpu_ratio', '70%', '10%', '10m', '10m', '6dnh8i971l5h')
const SWARM_ROW = {
  seq: 1, min_no: 1, max_no: 10, cur_no: 3, cond_item: 'cpu_ratio',
  out_cond: '70%', in_cond: '10%', out_duration: '10m', in_duration: '10m', service_id: '6dnh8i971l5h',
};

function problems(doc: Record<string, unknown>): string[] {
  try {
    convertLegacyPolicy(doc);
    return [];
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  }
}

describe('convertLegacyPolicy', () => {
  it("converts Alauda's autoscaling_config to a threshold rule, bounds and cooldowns", () => {
    const converted = convertLegacyPolicy({ service_name: 'myweb', autoscaling_config: ALAUDA_CONFIG });
    expect(converted).toEqual({
      format: 'alauda',
      keys: ['autoscaling_config'],
      min: 1,
      max: 6,
      policy: {
        rules: [{ type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 60, increaseBy: 1, scaleInBelow: 10, decreaseBy: 1 }],
        cooldown: { scaleOut: '30s', scaleIn: '30s' },
      },
    });
    expect(policySchema.safeParse(converted?.policy).success).toBe(true);
  });

  it("converts the Swarm autoscaler's policy row to a threshold rule and bounds", () => {
    const converted = convertLegacyPolicy({ service: 'myweb', ...SWARM_ROW });
    expect(converted).toEqual({
      format: 'swarm',
      keys: ['min_no', 'max_no', 'cond_item', 'out_cond', 'in_cond', 'out_duration', 'in_duration', 'seq', 'cur_no', 'service_id'],
      min: 1,
      max: 10,
      policy: {
        rules: [{ type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '10m', increaseBy: 1, scaleInBelow: 10, inDuration: '10m', decreaseBy: 1 }],
      },
    });
    expect(policySchema.safeParse(converted?.policy).success).toBe(true);
  });

  it.each([
    ['numbers instead of strings', { ...ALAUDA_CONFIG, upper_threshold: 0.6, lower_threshold: 0.1, minimum_num_instances: 1, maximum_num_instances: 6, wait_period: 30 }, { metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 60, scaleInBelow: 10 }, '30s'],
    ['memory, MAX, larger deltas', { ...ALAUDA_CONFIG, metric_name: 'MEMORY_UTILIZATION', metric_stat: 'max', increase_delta: '2', decrease_delta: 3 }, { metric: 'mem_ratio', statistic: 'max', increaseBy: 2, decreaseBy: 3 }, '30s'],
    ['fractions that float badly', { ...ALAUDA_CONFIG, upper_threshold: '0.7', lower_threshold: '0.29' }, { scaleOutAbove: 70, scaleInBelow: 29 }, '30s'],
    ['a wait_period of 5 minutes', { ...ALAUDA_CONFIG, wait_period: 300 }, {}, '5m'],
  ])('Alauda: %s', (_, config, rule, cooldown) => {
    const converted = convertLegacyPolicy({ autoscaling_config: config });
    expect(converted?.policy.rules[0]).toMatchObject(rule);
    expect(converted?.policy.cooldown).toEqual({ scaleOut: cooldown, scaleIn: cooldown });
  });

  it('Alauda: leaves cooldowns to the defaults without a wait_period, and defaults the deltas and statistic', () => {
    const { wait_period: _, metric_stat: __, increase_delta: ___, decrease_delta: ____, ...rest } = ALAUDA_CONFIG;
    expect(convertLegacyPolicy({ autoscaling_config: rest })?.policy).toEqual({
      rules: [{ type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 60, increaseBy: 1, scaleInBelow: 10, decreaseBy: 1 }],
    });
  });

  it('Swarm: takes a bare number as a percent condition', () => {
    expect(convertLegacyPolicy({ ...SWARM_ROW, out_cond: 80, in_cond: '20' })?.policy.rules[0]).toMatchObject({ scaleOutAbove: 80, scaleInBelow: 20 });
  });

  it.each([
    ['a document without a legacy policy', { service: 'myweb', min: 1, max: 4 }],
    ['only the Swarm bookkeeping columns', { service_id: '6dnh8i971l5h', seq: 1 }],
  ])('returns undefined for %s', (_, doc) => {
    expect(convertLegacyPolicy(doc)).toBeUndefined();
  });

  it.each([
    ['an unknown Alauda metric', { autoscaling_config: { ...ALAUDA_CONFIG, metric_name: 'NETWORK_IN' } }, ['autoscaling_config.metric_name: must be CPU_UTILIZATION or MEMORY_UTILIZATION']],
    ['an unknown Alauda statistic', { autoscaling_config: { ...ALAUDA_CONFIG, metric_stat: 'P99' } }, ['autoscaling_config.metric_stat: must be MEAN, MIN, MAX, SUM or COUNT']],
    ['a threshold that is not a number', { autoscaling_config: { ...ALAUDA_CONFIG, upper_threshold: 'high' } }, ['autoscaling_config.upper_threshold: must be a number, or a string holding one']],
    ['crossed Alauda thresholds', { autoscaling_config: { ...ALAUDA_CONFIG, lower_threshold: '0.6' } }, ['autoscaling_config.lower_threshold: lower_threshold must be less than upper_threshold']],
    ['crossed Alauda bounds', { autoscaling_config: { ...ALAUDA_CONFIG, minimum_num_instances: '7' } }, ['autoscaling_config.minimum_num_instances: minimum_num_instances must not exceed maximum_num_instances']],
    ['a fractional delta', { autoscaling_config: { ...ALAUDA_CONFIG, increase_delta: '1.5' } }, ['autoscaling_config.increase_delta: must be a whole number >= 1']],
    ['a missing Alauda field', { autoscaling_config: { metric_name: 'CPU_UTILIZATION' } }, [
      'autoscaling_config.upper_threshold: must be a number, or a string holding one',
      'autoscaling_config.lower_threshold: must be a number, or a string holding one',
      'autoscaling_config.minimum_num_instances: must be a number, or a string holding one',
      'autoscaling_config.maximum_num_instances: must be a number, or a string holding one',
    ]],
    ['a Swarm condition in words', { ...SWARM_ROW, out_cond: 'seventy' }, ['out_cond: must be a percent such as "70%"']],
    ['a Swarm duration without a unit', { ...SWARM_ROW, in_duration: '10' }, ['in_duration: must be a duration such as "30s", "10m" or "1h"']],
    ['crossed Swarm conditions', { ...SWARM_ROW, in_cond: '70%' }, ['in_cond: in_cond must be less than out_cond']],
    ['crossed Swarm bounds', { ...SWARM_ROW, min_no: 11 }, ['min_no: min_no must not exceed max_no']],
    ['a partial Swarm row', { min_no: 1, max_no: 10 }, [
      'cond_item: must be a string',
      'out_cond: must be a percent such as "70%"',
      'in_cond: must be a percent such as "70%"',
      'out_duration: Invalid input: expected string, received undefined',
      'in_duration: Invalid input: expected string, received undefined',
    ]],
  ])('rejects %s, naming the field', (_, doc, expected) => {
    expect(problems(doc)).toEqual(expected);
  });
});
