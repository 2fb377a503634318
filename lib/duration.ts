import * as z from 'zod';

// Durations in documents stay strings ("30s", "10m", "1h30m", "500ms") so a stored
// document reads as it was written; code converts them to milliseconds when it needs them.
// Units run largest first, each at most once, whole numbers only, as Go's and InfluxDB's do.
const DURATION = /^(?=\d)(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

const UNITS = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

const DURATION_MESSAGE = 'must be a duration such as "30s", "10m" or "1h"';

/** Milliseconds in a duration string such as "30s", "10m", "1h30m" or "500ms". Throws on anything else. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new RangeError(`${JSON.stringify(text)} ${DURATION_MESSAGE}`);
  return UNITS.reduce((ms, [, unitMs], i) => ms + Number(match[i + 1] ?? 0) * unitMs, 0);
}

/** The shortest duration string for a whole number of milliseconds: 600000 → "10m", 5400000 → "1h30m", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`${ms} is not a whole, non-negative number of milliseconds`);
  let rest = ms;
  let text = '';
  for (const [unit, unitMs] of UNITS) {
    const count = Math.floor(rest / unitMs);
    rest -= count * unitMs;
    if (count > 0) text += `${count}${unit}`;
  }
  return text || '0s';
}

/** A duration kept as its string in documents; validates the format only. */
// abort: a malformed string stops here, before refinements that parse it.
export const durationString = z.string().regex(DURATION, { error: DURATION_MESSAGE, abort: true });

/** A duration that must be longer than zero, for windows and periods. */
export const positiveDurationString = durationString.refine((text) => parseDuration(text) > 0, 'must be longer than 0s');

/**
 * A duration of at most `maxMs`, for a field whose meaning stops there: `why` says
 * where the bound comes from, so the refusal tells the operator what to change.
 */
export function durationAtMost(maxMs: number, why: string, base: z.ZodString = durationString): z.ZodString {
  return base.refine((text) => parseDuration(text) <= maxMs, { error: `must be at most ${formatDuration(maxMs)}: ${why}` });
}
