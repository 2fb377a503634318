import { parseDuration } from '../duration';
import { bound, type Adjustment } from './behavior';
import { latestRun, MAX_SCHEDULE_SPAN_MS, momentOf, parseCron, type Cron } from './calendar';
import type { Schedule } from './scheduleSchema';

export type { Schedule };

// A service's schedules: windows of time, named by a cron expression in a time zone, in which
// the service's min and max give way to the schedule's. The evaluator passes them to decide(),
// which asks here which one is active at its `now`. Their schema is in scheduleSchema.ts: the
// evaluator decides with these functions and loads no zod.

/** A schedule in its window at some moment, and since when. */
export interface ActiveSchedule {
  schedule: Schedule;
  /** When the window began (epoch ms). */
  since: number;
}

const cronOf = (text: string): Cron => {
  const parsed = parseCron(text);
  // Schedules reach here parsed by scheduleSchema (scheduleSchema.ts).
  if (!parsed.ok) throw new RangeError(parsed.problem);
  return parsed.cron;
};

/** When the schedule's window covering `now` began, if one does, within its start and until. */
function windowAt(s: Schedule, now: number): number | undefined {
  const start = s.start === undefined ? -Infinity : (momentOf(s.start, s.timeZone) as number);
  const until = s.until === undefined ? Infinity : (momentOf(s.until, s.timeZone) as number);
  if (now < start || now >= until) return undefined;
  const span = s.duration === undefined ? MAX_SCHEDULE_SPAN_MS : parseDuration(s.duration);
  const began = latestRun(cronOf(s.cron), s.timeZone, now, span);
  if (began === undefined || s.end === undefined) return began;
  // Ended when the end cron has run since it began (a run at the very minute it began does not end it).
  const ended = latestRun(cronOf(s.end), s.timeZone, now, now - began);
  return ended === undefined ? began : undefined;
}

/**
 * The schedule acting at `now`: of those in a window, the one whose window began last (the
 * first listed, when several began together). A later schedule thus overrides an earlier one
 * for as long as it lasts, as a later scheduled action does on AWS.
 */
export function activeSchedule(schedules: readonly Schedule[], now: number): ActiveSchedule | undefined {
  let active: ActiveSchedule | undefined;
  for (const schedule of schedules) {
    const since = windowAt(schedule, now);
    if (since !== undefined && (active === undefined || since > active.since)) active = { schedule, since };
  }
  return active;
}

/**
 * The bounds while a schedule is active: its own where it sets them, the service's elsewhere. A
 * schedule's max below the service's min lowers the min with it (and a min above the max raises
 * the max): while active, the schedule is what the operator asked for.
 */
export function scheduledBounds(s: Schedule, min: number, max: number): { min: number; max: number } {
  if (s.replicas !== undefined) return { min: s.replicas, max: s.replicas };
  const upper = s.max ?? Math.max(max, s.min ?? 0);
  const lower = s.min ?? Math.min(min, upper);
  return { min: lower, max: upper };
}

/** The bound stage with a schedule active: the note names the schedule when its bounds limited the replicas. */
export function boundBySchedule(desired: number, active: ActiveSchedule, min: number, max: number): Adjustment | undefined {
  const s = active.schedule;
  const bounds = scheduledBounds(s, min, max);
  const adjustment = bound(desired, bounds.min, bounds.max);
  if (!adjustment) return undefined;
  const side = adjustment.limitedBy as 'min' | 'max';
  // The service's own bound, untouched by the schedule, limited it: the usual note.
  if (s.replicas === undefined && s[side] === undefined && bounds[side] === (side === 'min' ? min : max)) return adjustment;
  const what = s.replicas !== undefined ? `replicas ${s.replicas}` : s[side] !== undefined ? `${side} ${s[side]}` : side === 'min' ? `max ${s.max}` : `min ${s.min}`;
  return { replicas: adjustment.replicas, limitedBy: 'schedule', note: `schedule ${s.name} (${s.cron} ${s.timeZone}) sets ${what} → ${adjustment.replicas}` };
}
