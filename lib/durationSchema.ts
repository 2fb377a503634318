import * as z from 'zod';
import { DURATION, DURATION_MESSAGE, formatDuration, parseDuration } from './durationText';

// The schemas of durations in documents. Apart from lib/duration.ts, so that code which only
// parses durations (the evaluator's, every function's settings) loads no zod.

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
