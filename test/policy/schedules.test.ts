import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';
import type { ValidationError } from '../../lib/errors';
import { decide } from '../../lib/policy/decide';
import { policySchema } from '../../lib/policy/schema';
import { activeSchedule, type Schedule } from '../../lib/policy/schedules';
import { scheduleSchema } from '../../lib/policy/scheduleSchema';
import { parseServiceDocument } from '../../lib/services/schema';
import { readings } from './fixtures';

const at = (iso: string) => Date.parse(iso);
const schedule = (s: Record<string, unknown>): Schedule => scheduleSchema.parse(s);
const NIGHTLY = schedule({ name: 'nightly', cron: '0 22 * * *', timeZone: 'Europe/Berlin', duration: '8h', max: 2 });
const activeAt = (schedules: Schedule[], iso: string) => activeSchedule(schedules, at(iso))?.schedule.name;

/** A service of min 1, max 10 whose CPU rule asks for 6 of its 5 replicas. */
const decideAt = (iso: string, schedules: Schedule[], bounds = { min: 1, max: 10 }) =>
  decide({
    policy: policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 50 }] }),
    ...bounds,
    currentReplicas: 5,
    observations: readings({ 'cpu_ratio.mean.1m': 60 }),
    history: { recommendations: [], scalings: [] },
    schedules,
    now: at(iso),
  });

describe('which schedule is active', () => {
  it.each([
    // 22:00 in Berlin is 21:00 UTC in winter; eight hours later is 06:00.
    ['before its start', '2026-11-30T20:59:00Z', undefined],
    ['from its start minute', '2026-11-30T21:00:00Z', 'nightly'],
    ['through the night, into the next month', '2026-12-01T04:59:00Z', 'nightly'],
    ['not from the end of its 8h', '2026-12-01T05:00:00Z', undefined],
    // 29 March 2026 springs forward: 8h after 22:00 CET is 07:00 CEST, still 05:00 UTC.
    ['on the night clocks spring forward, until 07:00 on them', '2026-03-29T04:59:00Z', 'nightly'],
    ['then ended', '2026-03-29T05:00:00Z', undefined],
    // 25 October 2026 falls back: 22:00 CEST is 20:00 UTC, and 8h later is 05:00 CET.
    ['on the night clocks fall back, from 22:00 CEST', '2026-10-24T20:00:00Z', 'nightly'],
    ['and until 05:00 on them', '2026-10-25T03:59:00Z', 'nightly'],
    ['then ended', '2026-10-25T04:00:00Z', undefined],
  ])('%s (%s): %s', (_, now, expected) => {
    expect(activeAt([NIGHTLY], now)).toBe(expected);
  });

  it('ends at an end cron on the clocks, whatever the night lasts', () => {
    const toSix = schedule({ name: 'nightly', cron: '0 22 * * *', end: '0 6 * * *', timeZone: 'Europe/Berlin', max: 2 });
    // 06:00 CEST on 29 March is 04:00 UTC: seven hours after 22:00 CET.
    expect(activeAt([toSix], '2026-03-29T03:59:00Z')).toBe('nightly');
    expect(activeAt([toSix], '2026-03-29T04:00:00Z')).toBeUndefined();
    // 06:00 CET on 25 October is 05:00 UTC: nine hours after 22:00 CEST.
    expect(activeAt([toSix], '2026-10-25T04:59:00Z')).toBe('nightly');
    expect(activeAt([toSix], '2026-10-25T05:00:00Z')).toBeUndefined();
  });

  it('acts only from start and until until, in its time zone', () => {
    const december = schedule({ ...NIGHTLY, start: '2026-12-01', until: '2027-01-01T00:00+01:00' });
    expect(activeAt([december], '2026-11-30T22:00:00Z')).toBeUndefined();
    // Midnight on 1 December in Berlin is 23:00 UTC on the 30th: the window already open acts from then.
    expect(activeAt([december], '2026-11-30T23:00:00Z')).toBe('nightly');
    expect(activeAt([december], '2026-12-31T22:59:00Z')).toBe('nightly');
    expect(activeAt([december], '2026-12-31T23:00:00Z')).toBeUndefined();
  });

  it('lets the schedule that began last win, the first listed when they began together', () => {
    const weekend = schedule({ name: 'weekend', cron: '0 0 * * SAT', timeZone: 'Europe/Berlin', duration: '48h', max: 1 });
    const sale = schedule({ name: 'sale', cron: '0 22 * * *', timeZone: 'Europe/Berlin', duration: '2h', min: 8 });
    // Saturday 28 November 2026, 03:00 in Berlin: weekend began at midnight, after nightly's 22:00.
    expect(activeAt([weekend, NIGHTLY], '2026-11-28T02:00:00Z')).toBe('weekend');
    expect(activeAt([NIGHTLY, sale], '2026-11-27T21:30:00Z')).toBe('nightly');
    expect(activeAt([sale, NIGHTLY], '2026-11-27T21:30:00Z')).toBe('sale');
  });
});

describe('a schedule in the decision', () => {
  it("replaces max, and the reason names it: the rule's 6 become 2", () => {
    const decision = decideAt('2026-12-01T03:00:00Z', [NIGHTLY]);
    expect(decision).toMatchObject({ replicas: 2, proposed: 6, direction: 'in', limitedBy: 'schedule' });
    expect(decision.reason).toBe('cpu_ratio mean 60 vs target 50; ceil(5 × 60 / 50) → 6; schedule nightly (0 22 * * * Europe/Berlin) sets max 2 → 2');
  });

  it('leaves the service bounded by its own min and max outside the window', () => {
    expect(decideAt('2026-12-01T05:00:00Z', [NIGHTLY])).toMatchObject({ replicas: 6, reason: 'cpu_ratio mean 60 vs target 50; ceil(5 × 60 / 50) → 6' });
  });

  it.each([
    ['a min above the proposal raises it', { min: 8 }, { min: 1, max: 10 }, 8, 'sets min 8 → 8'],
    ['a min above the service max raises the max with it', { min: 12 }, { min: 1, max: 10 }, 12, 'sets min 12 → 12'],
    ['an exact count sets both', { replicas: 3 }, { min: 1, max: 10 }, 3, 'sets replicas 3 → 3'],
    ['zero replicas for the night', { replicas: 0 }, { min: 1, max: 10 }, 0, 'sets replicas 0 → 0'],
    ['a max below the service min lowers the min with it', { max: 2 }, { min: 4, max: 10 }, 2, 'sets max 2 → 2'],
  ])('%s', (_, sets, bounds, replicas, note) => {
    const s = schedule({ name: 'window', cron: '0 2 * * *', timeZone: 'UTC', duration: '1h', ...sets });
    const decision = decideAt('2026-12-01T02:30:00Z', [s], bounds);
    expect(decision.replicas).toBe(replicas);
    expect(decision.reason).toContain(`schedule window (0 2 * * * UTC) ${note}`);
  });

  it("keeps the service's own note when its bound, not the schedule's, limited the replicas", () => {
    const s = schedule({ name: 'window', cron: '0 2 * * *', duration: '1h', min: 3 });
    expect(decideAt('2026-12-01T02:30:00Z', [s], { min: 1, max: 4 })).toMatchObject({ replicas: 4, limitedBy: 'max', reason: expect.stringMatching(/; limited by max 4$/) });
  });
});

describe('schedules in a service document', () => {
  const service = (schedules: unknown) =>
    ({ min: 1, max: 10, target: { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50 }, policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] }, schedules }) as const;
  const problems = (schedules: unknown) => {
    try {
      parseServiceDocument(service(schedules), 'web', 'default', loadConfig());
      return [];
    } catch (error) {
      return (error as ValidationError).details;
    }
  };
  const one = (s: Record<string, unknown>) => problems([{ name: 'nightly', cron: '0 22 * * *', duration: '8h', max: 2, ...s }]);

  it('stores them as written, with the time zone UTC when none is given', () => {
    const stored = parseServiceDocument(service([{ name: 'nightly', cron: '0 22 * * *', duration: '8h', max: 2 }]), 'web', 'default', loadConfig());
    expect(stored.schedules).toEqual([{ name: 'nightly', cron: '0 22 * * *', timeZone: 'UTC', duration: '8h', max: 2 }]);
  });

  it.each([
    [{ cron: '61 22 * * *' }, 'schedules[0].cron', 'minute field "61" must be 0-59'],
    [{ end: '0 6 * * *' }, 'schedules[0].duration', 'give either duration (how long each window lasts) or end (a cron for when it ends), not both or neither'],
    [{ duration: undefined, end: '0 6 * * 8' }, 'schedules[0].end', 'day-of-week field "8" must be 0-7 or SUN-SAT'],
    [{ timeZone: 'Europe/Berlinn' }, 'schedules[0].timeZone', 'must be an IANA time zone such as "Europe/Berlin" or "UTC"'],
    [{ duration: '800h' }, 'schedules[0].duration', 'must be at most 744h: a schedule is looked for 31 days back'],
    [{ max: undefined }, 'schedules[0].max', 'a schedule needs min, max or replicas: what it sets while active'],
    [{ replicas: 3 }, 'schedules[0].replicas', 'give replicas alone, or min and max: replicas sets both'],
    [{ min: 3 }, 'schedules[0].min', 'min must not exceed max'],
    [{ max: -1 }, 'schedules[0].max', 'must be a whole number >= 0'],
    [{ start: '2026-02-30' }, 'schedules[0].start', 'must be a date ("2026-12-24", midnight in timeZone) or a date and time ("2026-12-24T18:00" in timeZone, or with Z or an offset)'],
    [{ start: '2026-12-24', until: '2026-12-01' }, 'schedules[0].until', 'must be later than start'],
    [{ every: 'night' }, 'schedules[0]', 'Unrecognized key: "every"'],
  ])('refuses %j: %s %s', (fields, path, message) => {
    expect(one(fields)).toEqual([{ path, message }]);
  });

  it('takes the documents docs/POLICIES.md shows for schedules, and refuses as its example says', () => {
    const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'POLICIES.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## Schedules'), docs.indexOf('## Defaults'));
    const blocks = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] as string));
    const [nightly, refusal] = blocks;
    expect(parseServiceDocument(nightly, 'shop', 'default', loadConfig()).schedules?.map((s) => s.name)).toEqual(['nightly', 'opening']);
    expect(one({ cron: '61 22 * * *' })).toEqual([refusal]);
    // Its shop on Tuesday 1 December 2026 and the Saturday after, on Berlin's clocks (UTC+1).
    const schedules = parseServiceDocument(nightly, 'shop', 'default', loadConfig()).schedules ?? [];
    expect(activeAt(schedules, '2026-11-30T22:00:00Z')).toBe('nightly');
    expect(activeAt(schedules, '2026-12-01T05:00:00Z')).toBeUndefined();
    expect(activeAt(schedules, '2026-12-01T06:30:00Z')).toBe('opening');
    expect(activeAt(schedules, '2026-12-01T09:00:00Z')).toBeUndefined();
    expect(activeAt(schedules, '2026-12-05T06:30:00Z')).toBeUndefined();
  });

  it('refuses more than 20, and two of one name', () => {
    const s = (name: string) => ({ name, cron: '0 22 * * *', duration: '8h', max: 2 });
    expect(problems(Array.from({ length: 21 }, (_, i) => s(`s${i}`)))).toEqual([{ path: 'schedules', message: 'at most 20 schedules' }]);
    expect(problems([s('nightly'), s('nightly')])).toEqual([{ path: 'schedules[1].name', message: 'another schedule is named nightly: names say which schedule acted' }]);
  });
});
