import { describe, expect, it } from 'vitest';
import { instantOf, latestRun, parseCron, wallClock, type Cron } from '../../lib/policy/calendar';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const wall = (iso: string) => Date.parse(`${iso}Z`);
const cron = (text: string): Cron => {
  const parsed = parseCron(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.cron;
};
const latest = (text: string, zone: string, now: string, lookBack = 31 * DAY) => {
  const t = latestRun(cron(text), zone, at(now), lookBack);
  return t === undefined ? undefined : new Date(t).toISOString();
};

describe('parseCron', () => {
  it.each([
    ['61 22 * * *', 'minute field "61" must be 0-59'],
    ['0 24 * * *', 'hour field "24" must be 0-23'],
    ['0 0 0 * *', 'day-of-month field "0" must be 1-31'],
    ['0 0 * 13 *', 'month field "13" must be 1-12 or JAN-DEC'],
    ['0 0 * * SUNDAY', 'day-of-week field "SUNDAY" must be 0-7 or SUN-SAT'],
    ['*/0 * * * *', 'minute field "*/0": the step must be a whole number of at least 1'],
    ['0 17-9 * * *', 'hour field "17-9": the range must run from low to high'],
    ['0,,30 * * * *', 'minute field "0,,30" must be *, a value, a range (1-5), a step (*/15) or a list of them'],
    ['0 22 * *', 'must have 5 fields (minute hour day-of-month month day-of-week), not 4'],
    ['@daily', 'must have 5 fields (minute hour day-of-month month day-of-week), not 1'],
    ['0 0 30 2 *', 'never runs: February has no day 30'],
    ['0 0 31 APR,JUN *', 'never runs: none of its months has day 31'],
  ])('refuses %j: %s', (text, problem) => {
    expect(parseCron(text)).toEqual({ ok: false, problem });
  });

  it('reads lists, ranges, steps and names, any case, 7 as Sunday', () => {
    expect(cron('0,30 9-17/4 * jan,Jul mon-FRI')).toMatchObject({ minutes: [30, 0], hours: [17, 13, 9], months: new Set([1, 7]), weekdays: new Set([1, 2, 3, 4, 5]) });
    expect(cron('5/20 * * * 7').minutes).toEqual([45, 25, 5]);
    expect(cron('0 0 * * 5-7').weekdays).toEqual(new Set([5, 6, 0]));
  });
});

describe('clocks in a time zone', () => {
  it('reads an instant on the clocks of Berlin in winter and summer', () => {
    expect(wallClock(at('2026-01-15T21:00:00Z'), 'Europe/Berlin')).toBe(wall('2026-01-15T22:00:00'));
    expect(wallClock(at('2026-07-15T20:00:00Z'), 'Europe/Berlin')).toBe(wall('2026-07-15T22:00:00'));
  });

  it('moves a time the clocks skip forward by the shift, and takes a time they show twice the first time', () => {
    // 29 March 2026: 02:00 CET becomes 03:00 CEST. 25 October 2026: 03:00 CEST becomes 02:00 CET.
    expect(instantOf(wall('2026-03-29T02:30:00'), 'Europe/Berlin')).toBe(at('2026-03-29T01:30:00Z'));
    expect(instantOf(wall('2026-10-25T02:30:00'), 'Europe/Berlin')).toBe(at('2026-10-25T00:30:00Z'));
    // New York shifts at 02:00 local too, on other dates.
    expect(instantOf(wall('2026-03-08T02:30:00'), 'America/New_York')).toBe(at('2026-03-08T07:30:00Z'));
  });
});

describe('latestRun', () => {
  it.each([
    ['the night before, in winter', '0 22 * * *', 'Europe/Berlin', '2026-11-30T04:00:00Z', '2026-11-29T21:00:00.000Z'],
    ['the night before, in summer', '0 22 * * *', 'Europe/Berlin', '2026-07-01T03:00:00Z', '2026-06-30T20:00:00.000Z'],
    ['the same minute', '0 22 * * *', 'Europe/Berlin', '2026-11-29T21:00:00Z', '2026-11-29T21:00:00.000Z'],
    ['across a month end', '0 22 * * *', 'Europe/Berlin', '2026-12-01T02:00:00Z', '2026-11-30T21:00:00.000Z'],
    ['across a year end', '0 23 31 12 *', 'UTC', '2027-01-02T00:00:00Z', '2026-12-31T23:00:00.000Z'],
    ['the first of the month, from its last day', '0 0 1 * *', 'UTC', '2026-11-30T23:00:00Z', '2026-11-01T00:00:00.000Z'],
    ['the last day of a 30-day month, for day 30,31', '0 12 30,31 * *', 'UTC', '2026-12-01T00:00:00Z', '2026-11-30T12:00:00.000Z'],
    ['day 1 or a Monday, as crontab(5) reads both', '0 8 1 * MON', 'UTC', '2026-12-01T07:00:00Z', '2026-11-30T08:00:00.000Z'],
    ['weekdays only, from a Sunday', '0 7 * * MON-FRI', 'UTC', '2026-11-29T12:00:00Z', '2026-11-27T07:00:00.000Z'],
    ['the skipped 02:30 runs at 03:30 CEST', '30 2 * * *', 'Europe/Berlin', '2026-03-29T02:00:00Z', '2026-03-29T01:30:00.000Z'],
    ['the repeated 02:30 runs once, the first time', '30 2 * * *', 'Europe/Berlin', '2026-10-25T02:00:00Z', '2026-10-25T00:30:00.000Z'],
  ])('finds %s', (_, text, zone, now, expected) => {
    expect(latest(text, zone, now)).toBe(expected);
  });

  it('finds nothing older than the look-back (exclusive)', () => {
    expect(latest('0 22 * * *', 'Europe/Berlin', '2026-11-30T05:00:00Z', 8 * HOUR)).toBeUndefined();
    expect(latest('0 22 * * *', 'Europe/Berlin', '2026-11-30T04:59:00Z', 8 * HOUR)).toBe('2026-11-29T21:00:00.000Z');
    expect(latest('0 0 29 2 *', 'UTC', '2026-11-30T00:00:00Z')).toBeUndefined();
  });
});
