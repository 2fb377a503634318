// Cron expressions read in an IANA time zone, for schedules (schedules.ts). Pure: every function
// takes the moment it is asked about; time zones come from the Intl database Node ships with.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Further than any time zone's clock shift: a wall-clock time this far past now may still be before it. */
const LARGEST_SHIFT = 3 * HOUR;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface Field {
  name: string;
  min: number;
  max: number;
  /** Names for the values from `min` on, as crontab(5) allows for months and weekdays. */
  names?: string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // 0 and 7 are both Sunday.
  { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS },
];

/** A 5-field cron expression: the values each field allows. */
export interface Cron {
  minutes: number[];
  hours: number[];
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  /** 0 = Sunday. */
  weekdays: ReadonlySet<number>;
  /**
   * crontab(5): when both day-of-month and day-of-week are restricted (neither starts with "*"),
   * a day matching either runs ("0 0 1 * MON": the 1st and every Monday).
   */
  eitherDay: boolean;
}

export type ParsedCron = { ok: true; cron: Cron } | { ok: false; problem: string };

/** Days in each month, February as in a leap year: a day that exists in some year. */
const LONGEST_MONTHS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses "minute hour day-of-month month day-of-week" with lists (1,15), ranges (MON-FRI),
 * steps (*\/15, 0-30/10, 5/15 = 5-59/15) and the names JAN-DEC and SUN-SAT, or says what is wrong.
 */
export function parseCron(text: string): ParsedCron {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5) {
    return { ok: false, problem: `must have 5 fields (minute hour day-of-month month day-of-week), not ${text.trim() === '' ? 0 : parts.length}` };
  }
  const sets: Array<Set<number>> = [];
  for (const [i, field] of FIELDS.entries()) {
    const parsed = parseField(parts[i] as string, field);
    if (typeof parsed === 'string') return { ok: false, problem: parsed };
    sets.push(parsed);
  }
  const [minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.delete(7)) weekdays.add(0);
  const eitherDay = !(parts[2] as string).startsWith('*') && !(parts[4] as string).startsWith('*');
  if (!eitherDay && ![...months].some((m) => [...days].some((d) => d <= (LONGEST_MONTHS[m - 1] as number)))) {
    const listed = [...days].sort((a, b) => a - b).join(',');
    const month = months.size === 1 ? `${MONTH_NAMES[[...months][0]! - 1]} has no day` : 'none of its months has day';
    return { ok: false, problem: `never runs: ${month} ${listed}` };
  }
  const descending = (s: Set<number>) => [...s].sort((a, b) => b - a);
  return { ok: true, cron: { minutes: descending(minutes), hours: descending(hours), days, months, weekdays, eitherDay } };
}

/** One field's values, or the problem with it, e.g. `minute field "61" must be 0-59`. */
function parseField(text: string, field: Field): Set<number> | string {
  const values = new Set<number>();
  const range = `${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : ''}`;
  const value = (token: string): number | string => {
    const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
    if (named >= 0) return named + field.min;
    if (!/^\d+$/.test(token)) return `${field.name} field "${token}" must be ${range}`;
    const n = Number(token);
    return n >= field.min && n <= field.max ? n : `${field.name} field "${token}" must be ${range}`;
  };
  for (const item of text.split(',')) {
    const match = /^([^/-]+|\*)(?:-([^/]+))?(?:\/(.+))?$/.exec(item);
    if (!match) return `${field.name} field "${item || text}" must be *, a value, a range (1-5), a step (*/15) or a list of them`;
    const [, first = '', last, stepText] = match;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) return `${field.name} field "${item}": the step must be a whole number of at least 1`;
      step = Number(stepText);
    }
    let from: number | string = field.min;
    let to: number | string = field.max;
    if (first !== '*') {
      from = value(first);
      // "5/15" runs from 5 to the field's end; a single value runs alone.
      to = last !== undefined ? value(last) : stepText !== undefined ? field.max : from;
    } else if (last !== undefined) {
      return `${field.name} field "${item}" must be *, a value, a range (1-5), a step (*/15) or a list of them`;
    }
    if (typeof from === 'string') return from;
    if (typeof to === 'string') return to;
    if (from > to) return `${field.name} field "${item}": the range must run from low to high`;
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows the IANA time zone ("Europe/Berlin", "UTC"). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock reading in `timeZone` at an instant, as the epoch ms of the same reading in UTC. */
export function wallClock(instant: number, timeZone: string): number {
  const seconds = Math.floor(instant / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(seconds)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (instant - seconds);
}

/**
 * The instant a wall-clock reading in `timeZone` names (the reading as epoch ms in UTC), as
 * Temporal's "compatible" disambiguation and java.time do: a reading the clock skips when it
 * springs forward is moved forward by the shift (02:30 → 03:30), and one it shows twice when
 * it falls back is its first time.
 */
export function instantOf(wall: number, timeZone: string): number {
  // No zone shifts twice within two days: the offsets a day either side are the only candidates.
  const before = wall - (wallClock(wall - DAY, timeZone) - (wall - DAY));
  const after = wall - (wallClock(wall + DAY, timeZone) - (wall + DAY));
  const fits = [before, after].filter((t) => wallClock(t, timeZone) === wall);
  return fits.length > 0 ? Math.min(...fits) : before;
}

/** Whether the cron runs on the day of a wall-clock reading. */
function runsOn(cron: Cron, wallDay: number): boolean {
  const date = new Date(wallDay);
  if (!cron.months.has(date.getUTCMonth() + 1)) return false;
  const day = cron.days.has(date.getUTCDate());
  const weekday = cron.weekdays.has(date.getUTCDay());
  return cron.eitherDay ? day || weekday : day && weekday;
}

/**
 * The latest moment at or before `now`, and later than `now - lookBackMs`, that the cron names
 * on the clocks of `timeZone`; undefined when there is none.
 */
export function latestRun(cron: Cron, timeZone: string, now: number, lookBackMs: number): number | undefined {
  const wallNow = wallClock(now, timeZone);
  const earliest = now - lookBackMs;
  const lastDay = Math.floor(wallClock(earliest, timeZone) / DAY) * DAY - DAY;
  // Wall-clock readings go back in order, and so do the instants they name: the first at or before now is the latest.
  for (let day = Math.floor((wallNow + LARGEST_SHIFT) / DAY) * DAY; day >= lastDay; day -= DAY) {
    if (!runsOn(cron, day)) continue;
    for (const hour of cron.hours) {
      if (day + hour * HOUR > wallNow + LARGEST_SHIFT) continue;
      for (const minute of cron.minutes) {
        const wall = day + hour * HOUR + minute * MINUTE;
        if (wall > wallNow + LARGEST_SHIFT) continue;
        const instant = instantOf(wall, timeZone);
        if (instant <= now) return instant > earliest ? instant : undefined;
      }
    }
  }
  return undefined;
}

/** How far back a schedule's latest start is looked for: no window lasts longer. */
export const MAX_SCHEDULE_SPAN_MS = 31 * 24 * 3_600_000;

const MOMENT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$/;

/** A `start` or `until` as an instant: without Z or an offset, read on the clocks of `zone`; undefined when malformed. */
export function momentOf(text: string, zone: string): number | undefined {
  const m = MOMENT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', offset] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(wall);
  // Date.UTC rolls 2026-02-30 over to March: a reading that does not come back as written does not exist.
  if (date.getUTCDate() !== Number(d) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCHours() !== Number(h) || Number(mi) > 59 || Number(s) > 59) return undefined;
  if (offset === undefined) return instantOf(wall, zone);
  if (offset === 'Z') return wall;
  const sign = offset.startsWith('-') ? -1 : 1;
  return wall - sign * (Number(offset.slice(1, 3)) * 3_600_000 + Number(offset.slice(4, 6)) * 60_000);
}
