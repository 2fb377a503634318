import { describe, expect, it } from 'vitest';
import { runBacktest, seriesCsv } from '../../lib/backtest';
import { policySchema } from '../../lib/policy';

const policy = policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] });

describe('Function: seriesCsv', () => {
  it('writes a header and one row a minute: minute, load, ready and desired replicas, cpu_ratio', () => {
    const { series } = runBacktest([5, 5, 5, 30, 30, 30], { policy, min: 1, max: 10, capacity: 10 });
    expect(seriesCsv(series)).toBe(
      ['minute,load,ready_replicas,desired_replicas,cpu_ratio', '0,5,1,1,50', '1,5,1,1,50', '2,5,1,1,50', '3,30,1,1,300', '4,30,1,5,300', '5,30,5,5,60', ''].join('\n'),
    );
  });

  it('rounds cpu_ratio to two decimals', () => {
    const { series } = runBacktest([1, 1], { policy, min: 3, max: 3, capacity: 10, initialReplicas: 3 });
    expect(seriesCsv(series).split('\n')[1]).toBe('0,1,3,3,3.33');
  });
});
