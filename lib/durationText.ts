// Parsing and formatting only, without zod: every function's settings (lib/config.ts) parse a
// duration at load, and the schemas (lib/durationSchema.ts) would load zod with them.

// Durations in documents stay strings ("30s", "10m", "1h30m", "500ms") so a stored
// document reads as it was written; code converts them to milliseconds when it needs them.
// Units run largest first, each at most once, whole numbers only, as Go's and InfluxDB's do.
export const DURATION = /^(?=\d)(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

const UNITS = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
] as const;

export const DURATION_MESSAGE = 'must be a duration such as "30s", "10m" or "1h"';

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
