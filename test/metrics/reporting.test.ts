import { describe, expect, it } from 'vitest';
import { newestContainers } from '../../lib/metrics/reporting';
import type { ServiceMinute } from '../../lib/store/minutes';

// A minute bucket starts at T (epoch ms).
const S = 1000;
const T = (1_795_000_000 - (1_795_000_000 % 60)) * S;
const MINUTE = 60 * S;

const minute = (start: number, containers: number): ServiceMinute => ({ start, containers, buckets: [] });

describe('Function: newestContainers', () => {
  it.each([
    { name: 'three containers in the minute that just closed', minutes: [minute(T - MINUTE, 3)], now: T + 5 * S, expected: 3 },
    { name: 'the open minute, sent so far, over the one before', minutes: [minute(T - MINUTE, 3), minute(T, 4)], now: T + 35 * S, expected: 4 },
    { name: 'a scale-in: the newest minute counts, not the largest', minutes: [minute(T - 2 * MINUTE, 6), minute(T - MINUTE, 2)], now: T + 5 * S, expected: 2 },
    { name: 'the minute before last, while the last is not sent yet', minutes: [minute(T - 2 * MINUTE, 3)], now: T + 2 * S, expected: 3 },
    { name: 'nothing', minutes: [], now: T + 5 * S, expected: undefined },
    { name: 'only a minute that started over 2 minutes ago', minutes: [minute(T - 3 * MINUTE, 3)], now: T + 5 * S, expected: undefined },
    { name: 'only a minute ahead of now (a fast node clock)', minutes: [minute(T + MINUTE, 6)], now: T + 5 * S, expected: undefined },
  ])('$name → $expected', ({ minutes, now, expected }) => {
    expect(newestContainers(minutes, now, MINUTE)).toBe(expected);
  });
});
