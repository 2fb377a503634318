import * as z from 'zod';

/** SPEC.md's input times: ISO-8601 UTC strings or Unix seconds, as epoch milliseconds. */
export const timestamp = z.union(
  [
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
      .transform((s) => Date.parse(s)),
    z
      .number()
      .refine(Number.isFinite)
      .transform((s) => Math.round(s * 1000)),
  ],
  { error: 'must be an ISO-8601 UTC time or Unix seconds' },
);

/** The same in a query string, where every value arrives as text. */
export const queryTimestamp = z
  .string()
  .transform((s) => (/^\d+(\.\d+)?$/.test(s) ? Number(s) : s))
  .pipe(timestamp);

export const isoTime = (ms: number): string => new Date(ms).toISOString();
