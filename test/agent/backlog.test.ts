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

  it('starts a new batch at the 100th service, as Tide stores a batch of at most 99 in one transaction', () => {
    // 150 services of two containers each, a node of 300 containers.
    const dense = samples(300).map((s, i) => ({ ...s, service: `svc${Math.floor(i / 2)}` }));
    const batches = toBatches(dense);
    expect(batches.map((b) => new Set(b.samples.map((s) => s.service)).size)).toEqual([99, 51]);
    expect(batches.map((b) => b.samples.length)).toEqual([198, 102]);
    expect(batches.flatMap((b) => b.samples)).toEqual(dense);
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
    expect(backlog.all()).toEqual([second, third]);
    expect(backlog.pendingSamples).toBe(2000);
    expect(lines).toEqual([
      { level: 'warn', message: 'backlog full: dropped the oldest samples', fields: { dropped: 1000, kept: 2000, maxSamples: 2500 } },
    ]);
  });

  it('hands batches out oldest first', () => {
    const backlog = new Backlog(10_000, recordingLog().log);
    const batches = toBatches(samples(1500));
    backlog.add(batches);
    expect(backlog.due(0)).toEqual(batches);
    expect(backlog.remove(batches[0]!)).toBe(1000);
    expect(backlog.due(0)).toEqual([batches[1]]);
    expect(backlog.pendingSamples).toBe(500);
  });

  it('keeps a batch set aside out of the due ones until its own wait is over, in its place in the order', () => {
    const backlog = new Backlog(10_000, recordingLog().log);
    const [first, second, third] = toBatches(samples(2500));
    backlog.add([first!, second!, third!]);
    const counted: number[] = [];
    const wait = (failures: number) => {
      counted.push(failures);
      return failures * 30_000;
    };
    expect(backlog.defer(first!, 1_000, wait)).toBe(30_000);
    expect(backlog.due(1_000)).toEqual([second, third]);
    expect(backlog.due(30_999)).toEqual([second, third]);
    expect(backlog.due(31_000)).toEqual([first, second, third]);
    // A second failure counts on: the wait grows with each.
    expect(backlog.defer(first!, 31_000, wait)).toBe(60_000);
    expect(counted).toEqual([1, 2]);
    expect(backlog.due(90_000)).toEqual([second, third]);
    expect(backlog.all()).toEqual([first, second, third]);
    expect(backlog.pendingSamples).toBe(2500);
  });
});
