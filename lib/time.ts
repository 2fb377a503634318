import * as z from 'zod';

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Epoch milliseconds of an ISO-8601 time whose every field exists, else NaN:
 * Date.parse alone rolls 2026-02-30 over to March 2nd.
 */
function parseIsoTime(text: string): number {
  const match = ISO_TIME.exec(text);
  if (!match) return NaN;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const lastDayOfMonth = new Date(0);
  lastDayOfMonth.setUTCFullYear(year, month, 0);
  const offsetExists = match[9] === undefined || (Number(match[9]) <= 23 && Number(match[10]) <= 59);
  const exists =
    month >= 1 && month <= 12 && day >= 1 && day <= lastDayOfMonth.getUTCDate() && hour <= 23 && minute <= 59 && second <= 59 && offsetExists;
  return exists ? Date.parse(text) : NaN;
}

const TIME_RULE = 'must be an ISO-8601 UTC time or Unix seconds, and a real one (month 01-12, a day the month has, hour 00-23)';

/** SPEC.md's input times: ISO-8601 UTC strings or Unix seconds, as epoch milliseconds. */
export const timestamp = z.union(
  [
    z
      .string()
      .transform(parseIsoTime)
      .refine((ms) => !Number.isNaN(ms), { error: TIME_RULE }),
    z
      .number()
      .refine(Number.isFinite)
      .transform((s) => Math.round(s * 1000)),
  ],
  { error: TIME_RULE },
);

/** The same in a query string, where every value arrives as text. */
export const queryTimestamp = z
  .string()
  .transform((s) => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : s))
  .pipe(timestamp);

export { isoTime } from './isoTime';
