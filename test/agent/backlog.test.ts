import { describe, expect, it } from 'vitest';
import { Backlog, toBatches } from '../../agent/backlog';
import type { Sample } from '../../agent/collector';
import { recordingLog } from './logs';

const samples = (count: number, from = 0): Sample[] =>
  Array.from({ length: count }, (_, i) => ({ ts: '2026-11-22T10:00:05.000Z', service: 'myweb', container: `c${from + i}`, cpu_ratio: 1 }));

describe('batches', () => {
  it('cuts 2500 samples into 1000, 1000 and 500, each with its own batchId, in order', () => {
    const batches = toBatches(samples(2500));
    expect(batches.map((b) => b.samples.length)).toEqual([1000, 1000, 500]);
    expect(new Set(batches.map((b) => b.batchId)).size).toBe(3);
    expect(batches.every((b) => /^[0-9a-f-]{36}$/.test(b.batchId))).toBe(true);
    expect(batches.flatMap((b) => b.samples).map((s) => s.container)).toEqual(samples(2500).map((s) => s.container));
  });

  it('keeps exactly 1000 in one batch, and makes none from no samples', () => {
    expect(toBatches(samples(1000)).map((b) => b.samples.length)).toEqual([1000]);
    expect(toBatches([])).toEqual([]);
  });
});

describe('backlog', () => {
  it('drops the oldest batches past its limit and says how many samples went', () => {
    const { log, lines } = recordingLog();
    const backlog = new Backlog(2500, log);
    const [first, second, third] = toBatches(samples(3000));
    backlog.add([first!, second!]);
    expect(lines).toEqual([]);
    backlog.add([third!]);
    expect(backlog.oldest()).toBe(second);
    expect(backlog.pendingSamples).toBe(2000);
    expect(lines).toEqual([
      { level: 'warn', message: 'backlog full: dropped the oldest samples', fields: { dropped: 1000, kept: 2000, maxSamples: 2500 } },
    ]);
  });

  it('hands batches out oldest first', () => {
    const backlog = new Backlog(10_000, recordingLog().log);
    const batches = toBatches(samples(1500));
    backlog.add(batches);
    expect(backlog.oldest()).toBe(batches[0]);
    expect(backlog.remove(batches[0]!)).toBe(1000);
    expect(backlog.oldest()).toBe(batches[1]);
    expect(backlog.pendingSamples).toBe(500);
  });
});
