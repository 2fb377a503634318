import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../lib/duration';
import { durationString } from '../../lib/durationSchema';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['2h0m5s250ms', 7_205_250],
    ['0s', 0],
    ['300s', 300_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', '1.5h', '10x', 'm', '-1s', '30s1m', '1h1h', ' 10m', '10 m', '1d'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow('must be a duration such as "30s", "10m" or "1h"');
  });
});

describe('formatDuration', () => {
  it.each([
    [600_000, '10m'],
    [5_400_000, '1h30m'],
    [300_000, '5m'],
    [0, '0s'],
    [1_500, '1s500ms'],
    [86_400_000, '24h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([-1, 1.5, Number.NaN])('rejects %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });
});

describe('durationString', () => {
  it('keeps the string as written', () => {
    expect(durationString.parse('300s')).toBe('300s');
  });

  it('explains the format', () => {
    const result = durationString.safeParse('ten minutes');
    expect(result.error?.issues.map((i) => i.message)).toEqual(['must be a duration such as "30s", "10m" or "1h"']);
  });
});
