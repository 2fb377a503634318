import { describe, expect, it } from 'vitest';
import { decide } from '../../lib/policy/decide';
import { DAY_MS } from '../../lib/policy/forecast';
import { observationsFromBuckets } from '../../lib/policy/observations';
import type { PastLoads } from '../../lib/policy/types';
import { policySchema } from '../../lib/policy/schema';
import { MINUTE, NOW } from './fixtures';

// A queue whose length is the load itself (perReplica false), 100 a replica, decided at 10:00 with
// rate limits and stabilization off, so the decision is the rule's and its forecast's.
const KEY = 'queue_length.mean';
const rule = { type: 'load', metric: 'queue_length', perReplica: false, target: 100, inWindow: '30m' };

/** Past days' loads: `load(t)` for every minute from 14 days ago up to now. */
function pastLoads(load: (t: number) => number | undefined): PastLoads {
  return { at: (key, t) => (key === KEY && t < NOW && t >= NOW - 14 * DAY_MS ? load(t) : undefined) };
}
const minuteOfDay = (t: number): number => ((t % DAY_MS) + DAY_MS) % DAY_MS;
const at = (hh: number, mm: number): number => (hh * 60 + mm) * MINUTE;
const daysAgo = (t: number): number => Math.ceil((NOW - t) / DAY_MS);

function decideWith(c: { prediction?: Record<string, unknown>; today: (t: number) => number; past?: PastLoads; current: number; readinessDelay?: string; noiseHeadroom?: number }) {
  const buckets = Array.from({ length: 30 }, (_, i) => {
    const start = NOW - (30 - i) * MINUTE;
    const value = c.today(start);
    return { metric: 'queue_length', start, count: 1, sum: value, min: value, max: value };
  });
  return decide({
    policy: policySchema.parse({
      rules: [{ ...rule, ...(c.noiseHeadroom === undefined ? {} : { noiseHeadroom: c.noiseHeadroom }), prediction: c.prediction ?? {} }],
      stabilization: { scaleIn: '0s' },
      limits: { scaleOut: [], scaleIn: [] },
      readinessDelay: c.readinessDelay ?? '1m',
    }),
    min: 0,
    max: 100,
    currentReplicas: c.current,
    observations: observationsFromBuckets(buckets, NOW, MINUTE),
    history: { recommendations: [], scalings: [] },
    ...(c.past ? { pastLoads: c.past } : {}),
    now: NOW,
  });
}

const flat = (load: number) => () => load;
// Yesterday the load went from 100 to 600 at 10:02; today it is where yesterday was at this time.
const peakAt1002 = pastLoads((t) => (minuteOfDay(t) >= at(10, 2) && minuteOfDay(t) < at(12, 0) ? 600 : 100));
// A burst at 10:01 on 4 of the last 7 days (1, 2, 3 and 5 days ago), 100 otherwise.
const burstAt1001 = (days: number[]) => pastLoads((t) => (minuteOfDay(t) === at(10, 1) && days.includes(daysAgo(t)) ? 500 : 100));

describe('prediction', () => {
  it('provisions before a daily peak by lookAhead: yesterday’s same minutes, smoothed', () => {
    const ahead = decideWith({ prediction: { lookAhead: '2m' }, today: flat(100), past: peakAt1002, current: 1 });
    expect(ahead.replicas).toBe(6);
    expect(ahead.reason).toContain('forecast 600 (seasonal, yesterday ×1.00, margin 0%) needs 6 → 6');
    expect(ahead.forecast).toMatchObject({ replicas: 6, load: 600, acting: true, lookAhead: '2m', seasonal: 600, margin: 0 });

    // One minute ahead, 10:00–10:01, is still before the peak: nothing to add yet.
    const notYet = decideWith({ prediction: { lookAhead: '1m' }, today: flat(100), past: peakAt1002, current: 1 });
    expect(notYet.replicas).toBe(1);
    expect(notYet.reason).toContain('forecast 100 (seasonal, yesterday ×1.00, margin 0%) needs 1');
  });

  it('sizes its floor with the rule’s noise headroom: 600 at 100 a replica with 0.5 × √6 more needs 8', () => {
    const ahead = decideWith({ prediction: { lookAhead: '2m' }, today: flat(100), past: peakAt1002, current: 1, noiseHeadroom: 0.5 });
    expect(ahead.replicas).toBe(8);
    expect(ahead.forecast).toMatchObject({ replicas: 8, load: 600 });
  });

  it('looks ahead by the readiness delay unless told', () => {
    const decision = decideWith({ today: flat(100), past: peakAt1002, current: 1, readinessDelay: '2m' });
    expect(decision.replicas).toBe(6);
    expect(decision.forecast?.lookAhead).toBe('2m');
  });

  it('scales yesterday by today’s level, within ×0.5 to ×2', () => {
    expect(decideWith({ prediction: { lookAhead: '2m' }, today: flat(150), past: peakAt1002, current: 2 }).reason).toContain('forecast 900 (seasonal, yesterday ×1.50, margin 0%) needs 9 → 9');
    // Today at 3 times yesterday: ×2, and the forecast of the recent minutes fell short by half.
    const seasonal = { lookAhead: '2m', bursts: false };
    expect(decideWith({ prediction: seasonal, today: flat(300), past: peakAt1002, current: 3 }).reason).toContain('forecast 1800 (seasonal, yesterday ×2.00, margin 50%) needs 18 → 18');
    expect(decideWith({ prediction: seasonal, today: flat(20), past: peakAt1002, current: 1 }).reason).toContain('forecast 300 (seasonal, yesterday ×0.50, margin 0%) needs 3 → 3');
  });

  it('adds a margin for how far today’s minutes rose above the forecast of them', () => {
    // Today alternates 100 and 140 over yesterday's 100: ×1.2, and half the minutes 20 above 120.
    const decision = decideWith({ today: (t) => (t / MINUTE) % 2 === 0 ? 100 : 140, past: pastLoads(() => 100), current: 2 });
    expect(decision.reason).toContain('forecast 130 (seasonal, yesterday ×1.20, margin 8%) needs 2');
    expect(decision.forecast?.margin).toBeCloseTo(10 / 120);
  });

  it('provisions a burst that recurred at the same minute on several days, ahead by lookAhead', () => {
    const decision = decideWith({ today: flat(100), past: burstAt1001([1, 2, 3, 5]), current: 1 });
    expect(decision.replicas).toBe(5);
    expect(decision.reason).toContain('forecast 500 (burst at 10:01 on 4 of the last 7 days, +400; margin 0%) needs 5 → 5');
    expect(decision.forecast).toMatchObject({ replicas: 5, burst: 500, seasonal: 100 });
  });

  it.each([
    { name: 'a one-off burst yesterday', days: [1] },
    { name: 'a burst on 2 of the last 7 days (recurOn 3)', days: [2, 6] },
    { name: 'a burst that recurred, but more than `days` days ago', days: [8, 9, 10] },
  ])('does not remember $name', ({ days }) => {
    const decision = decideWith({ today: flat(100), past: burstAt1001(days), current: 1 });
    expect(decision.replicas).toBe(1);
    expect(decision.reason).toContain('forecast 100 (seasonal, yesterday ×1.00, margin 0%) needs 1');
    expect(decision.forecast?.burst).toBeUndefined();
  });

  it('in forecastOnly mode records the forecast beside the decision and changes nothing', () => {
    const decision = decideWith({ prediction: { mode: 'forecastOnly' }, today: flat(100), past: burstAt1001([1, 2, 3, 5]), current: 1 });
    expect(decision.replicas).toBe(1);
    expect(decision.direction).toBe('none');
    expect(decision.forecast).toMatchObject({ replicas: 5, load: 500, acting: false });
    expect(decision.reason).toContain('forecast 500 (burst at 10:01 on 4 of the last 7 days, +400; margin 0%) needs 5 (forecast only, not applied)');
  });

  it('never lowers the rule’s proposal: a forecast is a floor', () => {
    // Today's 800 needs 8; yesterday's 100, at ×2 and with a margin of 50 %, needs 3.
    const decision = decideWith({ today: flat(800), past: pastLoads(() => 100), current: 8 });
    expect(decision.replicas).toBe(8);
    expect(decision.reason).toContain('forecast 300 (seasonal, yesterday ×2.00, margin 50%) needs 3');
    const out = decideWith({ today: (t) => (t === NOW - MINUTE ? 900 : 100), past: pastLoads(() => 100), current: 2 });
    expect(out.replicas).toBe(9);
  });

  it('says so when there is no past load to forecast from', () => {
    const decision = decideWith({ today: flat(100), current: 1 });
    expect(decision.replicas).toBe(1);
    expect(decision.forecast).toBeUndefined();
    expect(decision.reason).toContain('no forecast: no load kept for yesterday at 10:00–10:01; no load kept for the last 7 days at 10:00–10:01');
  });

  it('forecasts only the parts asked for', () => {
    const bursts = decideWith({ prediction: { seasonal: false }, today: flat(100), past: peakAt1002, current: 1 });
    expect(bursts.reason).toContain('no forecast: no burst recurred at 10:00–10:01 on 3 of the last 7 days');
    const seasonal = decideWith({ prediction: { bursts: false }, today: flat(100), past: burstAt1001([1, 2, 3, 5]), current: 1 });
    expect(seasonal.replicas).toBe(1);
  });
});

describe('prediction schema', () => {
  it('applies its defaults, and a policy without one has none', () => {
    const parsed = policySchema.parse({ rules: [{ ...rule, prediction: {} }, { ...rule }] });
    expect(parsed.rules[0]).toMatchObject({ prediction: { seasonal: true, bursts: true, mode: 'act', days: 7, recurOn: 3 } });
    expect(parsed.rules[1]).not.toHaveProperty('prediction');
  });

  it.each([
    ['an unknown mode', { mode: 'shadow' }, 'the forecast sets a floor on the replicas'],
    ['neither seasonal nor bursts', { seasonal: false, bursts: false }, 'a prediction needs seasonal, bursts or both'],
    ['more days than the rollups keep', { days: 15 }, 'must be a whole number of days from 2 to 14'],
    ['recurOn above days', { days: 5, recurOn: 6 }, 'recurOn must be at most days'],
    ['a lookAhead past the hour of history', { lookAhead: '2h' }, 'Tide keeps 1h of scaling history'],
    ['a misspelt field', { seasonl: true }, 'seasonl'],
  ])('rejects %s', (_, prediction, message) => {
    const result = policySchema.safeParse({ rules: [{ ...rule, prediction }] });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});
