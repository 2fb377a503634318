import { formatDuration, parseDuration } from '../duration';
import type { LimitPolicy, Policy, SelectPolicy } from './schema';
import { runsOf, type Recommendation, type ScalingRecord } from './history';

// The stages a proposal passes through after the rules, in SPEC.md's order. Each takes the
// replicas so far and returns undefined when it leaves them alone, or the changed replicas with
// the stage's name and a note for the decision's reason. Windows and periods follow HPA: an
// entry counts when its timestamp is strictly after now − window.

export interface Adjustment {
  replicas: number;
  limitedBy: string;
  note: string;
}

// "300s" reads "5m" in reasons.
const tidy = (duration: string): string => formatDuration(parseDuration(duration));
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * HPA's stabilizeRecommendationWithBehaviors: scale out no further than the lowest
 * recommendation within the scale-out window, and in no further than the highest within the
 * scale-in window, the current proposal included.
 */
export function stabilize(
  proposed: number,
  current: number,
  recommendations: readonly Recommendation[],
  windows: Policy['stabilization'],
  now: number,
): Adjustment | undefined {
  const outFrom = now - parseDuration(windows.scaleOut);
  const inFrom = now - parseDuration(windows.scaleIn);
  let lowest = proposed;
  let highest = proposed;
  // A run counts while it was still recommended within the window.
  for (const r of runsOf(recommendations, now)) {
    if (r.last > outFrom) lowest = Math.min(lowest, r.replicas);
    if (r.last > inFrom) highest = Math.max(highest, r.replicas);
  }
  const replicas = Math.min(Math.max(current, lowest), highest);
  if (replicas === proposed) return undefined;

  const [direction, which, bound, span] =
    proposed > current ? ['scale-out', 'lowest', lowest, windows.scaleOut] : ['scale-in', 'highest', highest, windows.scaleIn];
  const what = replicas === current ? `${direction} held` : `${direction} limited to ${replicas}`;
  return { replicas, limitedBy: 'stabilization', note: `${what} by stabilization (${which} recommendation ${bound} in ${tidy(span)})` };
}

/** The replicas at the start of a period: the current ones with the period's scalings undone. */
function periodStart(current: number, scalings: readonly ScalingRecord[], period: string, now: number): number {
  const from = now - parseDuration(period);
  return scalings.reduce((replicas, s) => (s.ts > from ? replicas - (s.to - s.from) : replicas), current);
}

interface Limit {
  replicas: number;
  policy: LimitPolicy;
}

/**
 * HPA's calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors. Each limit
 * allows a change from the replicas at its period's start; `max` picks the limit allowing the
 * largest change, `min` the smallest. Percent limits round as HPA does — up when adding
 * (ceil(start × (1 + p/100)), so a small service can still grow), down when removing
 * (floor(start × (1 − p/100)), so 10% of 72 removes 8), and a percent added to 0 replicas still
 * adds one, or a service at zero could never wake — computed in whole numbers so that
 * 50 × 1.1 does not become 55.00000000000001 and round up to 56.
 */
function limitFor(
  direction: 'out' | 'in',
  current: number,
  scalings: readonly ScalingRecord[],
  policies: readonly LimitPolicy[],
  select: SelectPolicy,
  now: number,
): Limit | undefined {
  let best: Limit | undefined;
  for (const policy of policies) {
    const start = periodStart(current, scalings, policy.period, now);
    const replicas =
      direction === 'out'
        ? policy.type === 'replicas' ? start + policy.value : Math.max(start + 1, Math.ceil((start * (100 + policy.value)) / 100))
        : policy.type === 'replicas' ? start - policy.value : Math.floor((start * (100 - policy.value)) / 100);
    const larger = (direction === 'out') === (select === 'max');
    if (!best || (larger ? replicas > best.replicas : replicas < best.replicas)) best = { replicas, policy };
  }
  return best;
}

const limitText = (direction: 'out' | 'in', p: LimitPolicy): string =>
  `${direction === 'out' ? '+' : '-'}${p.value}${p.type === 'percent' ? '%' : ' replicas'} per ${tidy(p.period)}`;

/** Rate limits per period (`limits`), HPA's convertDesiredReplicasWithBehaviorRate without min/max. */
export function rateLimit(
  desired: number,
  current: number,
  scalings: readonly ScalingRecord[],
  limits: Policy['limits'],
  now: number,
): Adjustment | undefined {
  if (desired === current) return undefined;
  const direction = desired > current ? 'out' : 'in';
  const key = direction === 'out' ? 'scaleOut' : 'scaleIn';
  const limitedBy = direction === 'out' ? 'scaleOutLimit' : 'scaleInLimit';
  const select = limits.selectPolicy[key];
  if (select === 'disabled') {
    return { replicas: current, limitedBy, note: `scale-${direction} disabled by limits.selectPolicy.${key}` };
  }
  const limit = limitFor(direction, current, scalings, limits[key], select, now);
  if (!limit) return undefined; // no limits in this direction
  // A limit already used up by this period's scalings holds at the current replicas; it never reverses them.
  const allowed = direction === 'out' ? Math.max(limit.replicas, current) : Math.min(limit.replicas, current);
  if (direction === 'out' ? desired <= allowed : desired >= allowed) return undefined;
  return { replicas: allowed, limitedBy, note: `limited by scale-${direction} limit ${limitText(direction, limit.policy)} to ${allowed}` };
}

/** Cooldowns: no scaling in a direction until its cooldown has passed since the last scaling in that direction. */
export function coolDown(
  desired: number,
  current: number,
  scalings: readonly ScalingRecord[],
  cooldowns: Policy['cooldown'],
  now: number,
): Adjustment | undefined {
  if (desired === current) return undefined;
  const out = desired > current;
  const ms = parseDuration(out ? cooldowns.scaleOut : cooldowns.scaleIn);
  const last = scalings.reduce((ts, s) => ((out ? s.to > s.from : s.to < s.from) ? Math.max(ts, s.ts) : ts), -Infinity);
  if (now >= last + ms) return undefined; // also when there is none: last is -Infinity
  return { replicas: current, limitedBy: 'cooldown', note: `in cooldown for scale-${out ? 'out' : 'in'} until ${isoSeconds(last + ms)}` };
}

/** The service's min and max, always last: no stage may leave the service outside them. */
export function bound(desired: number, min: number, max: number): Adjustment | undefined {
  if (desired > max) return { replicas: max, limitedBy: 'max', note: `limited by max ${max}` };
  if (desired < min) return { replicas: min, limitedBy: 'min', note: `raised to min ${min}` };
  return undefined;
}
