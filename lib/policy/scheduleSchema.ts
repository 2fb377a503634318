import * as z from 'zod';
import { durationAtMost, positiveDurationString } from '../durationSchema';
import { resourceName } from '../names';
import { isTimeZone, MAX_SCHEDULE_SPAN_MS, momentOf, parseCron } from './calendar';

// The schema of a service's schedules (SPEC.md); schedules.ts finds which one is active.

export const MAX_SCHEDULES = 20;

const cronText = z.string({ error: 'must be a string' }).superRefine((text, ctx) => {
  const parsed = parseCron(text);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
});

const timeZone = z
  .string({ error: 'must be a string' })
  .refine(isTimeZone, { error: 'must be an IANA time zone such as "Europe/Berlin" or "UTC"' });

const MOMENT_RULE = 'must be a date ("2026-12-24", midnight in timeZone) or a date and time ("2026-12-24T18:00" in timeZone, or with Z or an offset)';

const replicas = z.number({ error: 'must be a whole number >= 0' }).int({ error: 'must be a whole number >= 0' }).min(0, { error: 'must be a whole number >= 0' });

export const scheduleSchema = z
  .strictObject({
    name: resourceName,
    /** When each window starts: minute hour day-of-month month day-of-week. */
    cron: cronText,
    timeZone: timeZone.default('UTC'),
    /** How long each window lasts, in elapsed time; or `end`, a cron naming when it ends. */
    duration: durationAtMost(MAX_SCHEDULE_SPAN_MS, 'a schedule is looked for 31 days back', positiveDurationString).optional(),
    end: cronText.optional(),
    /** Bounds on when the schedule acts at all: from `start`, until `until` (exclusive). */
    start: z.string({ error: 'must be a string' }).optional(),
    until: z.string({ error: 'must be a string' }).optional(),
    min: replicas.optional(),
    max: replicas.optional(),
    /** An exact count: min and max both. */
    replicas: replicas.optional(),
  })
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if ((s.duration === undefined) === (s.end === undefined)) issue('duration', 'give either duration (how long each window lasts) or end (a cron for when it ends), not both or neither');
    if (s.min === undefined && s.max === undefined && s.replicas === undefined) issue('max', 'a schedule needs min, max or replicas: what it sets while active');
    if (s.replicas !== undefined && (s.min !== undefined || s.max !== undefined)) issue('replicas', 'give replicas alone, or min and max: replicas sets both');
    if (s.min !== undefined && s.max !== undefined && s.min > s.max) issue('min', 'min must not exceed max');
    if (!isTimeZone(s.timeZone)) return;
    const start = s.start === undefined ? undefined : momentOf(s.start, s.timeZone);
    const until = s.until === undefined ? undefined : momentOf(s.until, s.timeZone);
    if (s.start !== undefined && start === undefined) issue('start', MOMENT_RULE);
    if (s.until !== undefined && until === undefined) issue('until', MOMENT_RULE);
    if (start !== undefined && until !== undefined && until <= start) issue('until', 'must be later than start');
  });

export type Schedule = z.output<typeof scheduleSchema>;

export const schedulesSchema = z
  .array(scheduleSchema, { error: 'must be an array of schedules' })
  .max(MAX_SCHEDULES, { error: `at most ${MAX_SCHEDULES} schedules` })
  .superRefine((schedules, ctx) => {
    const seen = new Set<string>();
    for (const [i, s] of schedules.entries()) {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `another schedule is named ${s.name}: names say which schedule acted` });
      seen.add(s.name);
    }
  });
