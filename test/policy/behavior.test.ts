import { describe, expect, it } from 'vitest';
import { emptyHistory, recordDecision, recordScaling, type History, type Recommendation } from '../../lib/policy/history';
import { decideCase, MINUTE, NOW, SECOND, type Case } from './fixtures';

// A rule that always asks for `n` replicas, so these tests exercise only what follows the rules.
const wants = (n: number) => ({ type: 'step', metric: 'load', window: '1m', steps: [{ above: -1, change: { exact: n } }] }) as const;
const LOAD = { 'load.mean.1m': 0 };
const WANTS_REASON = (n: number) => `load mean 0 > -1 for 1m; exactly ${n}`;

type Behavior = Record<string, unknown>;

const run = (n: number, c: Omit<Case, 'policy'> & { policy?: Behavior }) =>
  decideCase({ ...c, policy: { rules: [wants(n)], ...c.policy }, values: LOAD });

/** Decides once a minute, applying each decision and keeping the history, the way the evaluator drives the engine. */
function simulate(wanted: number[], start: number, policy: Behavior, recommendations: Recommendation[] = []): number[] {
  let current = start;
  let history: History = { recommendations, scalings: [] };
  return wanted.map((n, i) => {
    const now = NOW + i * MINUTE;
    const decision = decideCase({ policy: { rules: [wants(n)], ...policy }, values: LOAD, current, ...history, now });
    history = recordDecision(history, decision);
    if (decision.replicas !== current) history = recordScaling(history, { ts: now, from: current, to: decision.replicas });
    current = decision.replicas;
    return current;
  });
}

const NO_LIMITS = { limits: { scaleOut: [], scaleIn: [] } };
const NO_STABILIZATION = { stabilization: { scaleOut: '0s', scaleIn: '0s' } };

describe('stabilization', () => {
  it.each([
    { name: 'holds a scale-in at the highest recommendation in the window', recs: [{ ts: NOW - MINUTE, replicas: 5 }], replicas: 5, note: 'scale-in held by stabilization (highest recommendation 5 in 5m)' },
    { name: 'lets a scale-in go as far as that recommendation', recs: [{ ts: NOW - 2 * MINUTE, replicas: 4 }], replicas: 4, note: 'scale-in limited to 4 by stabilization (highest recommendation 4 in 5m)' },
    { name: 'ignores a recommendation exactly one window old', recs: [{ ts: NOW - 5 * MINUTE, replicas: 5 }], replicas: 3, note: undefined },
    { name: 'ignores lower recommendations', recs: [{ ts: NOW - MINUTE, replicas: 2 }], replicas: 3, note: undefined },
    {
      name: 'counts a run begun before the window that was still recommended within it',
      recs: [{ ts: NOW - 10 * MINUTE, replicas: 5, every: MINUTE }, { ts: NOW - 3 * MINUTE, replicas: 3, every: MINUTE }],
      replicas: 5,
      note: 'scale-in held by stabilization (highest recommendation 5 in 5m)',
    },
    { name: 'ignores a run last recommended exactly one window ago', recs: [{ ts: NOW - 10 * MINUTE, replicas: 5, every: MINUTE }, { ts: NOW - 4 * MINUTE, replicas: 3, every: MINUTE }], replicas: 3, note: undefined },
  ])('$name', ({ recs, replicas, note }) => {
    const decision = run(3, { current: 5, recommendations: recs, policy: NO_LIMITS });
    expect(decision.replicas).toBe(replicas);
    expect(decision.reason).toBe(note ? `${WANTS_REASON(3)}; ${note}` : WANTS_REASON(3));
    expect(decision.limitedBy).toBe(note && 'stabilization');
    // Kept unstabilized, as HPA keeps it.
    expect(recordDecision(emptyHistory(), decision).recommendations).toEqual([{ ts: NOW, replicas: 3 }]);
  });

  it.each([
    { name: 'holds a scale-out at the lowest recommendation in its window', recs: [{ ts: NOW - MINUTE, replicas: 3 }], replicas: 3, note: 'scale-out held by stabilization (lowest recommendation 3 in 3m)' },
    { name: 'lets a scale-out go as far as that recommendation', recs: [{ ts: NOW - MINUTE, replicas: 5 }], replicas: 5, note: 'scale-out limited to 5 by stabilization (lowest recommendation 5 in 3m)' },
    { name: 'ignores a scale-out recommendation exactly one window old', recs: [{ ts: NOW - 3 * MINUTE, replicas: 3 }], replicas: 6, note: undefined },
  ])('$name', ({ recs, replicas, note }) => {
    const decision = run(6, { current: 3, recommendations: recs, policy: { ...NO_LIMITS, stabilization: { scaleOut: '180s' } } });
    expect({ replicas: decision.replicas, reason: decision.reason }).toEqual({ replicas, reason: note ? `${WANTS_REASON(6)}; ${note}` : WANTS_REASON(6) });
  });

  it('scales out at once by default (scale-out window 0s)', () => {
    expect(run(6, { current: 3, recommendations: [{ ts: NOW - SECOND, replicas: 3 }], policy: NO_LIMITS }).replicas).toBe(6);
  });

  it('waits until the higher recommendations of the last 5 minutes have left the window', () => {
    const steady = [4, 3, 2, 1].map((m) => ({ ts: NOW - m * MINUTE, replicas: 10 }));
    expect(simulate([4, 4, 4, 4, 4, 4], 10, NO_LIMITS, steady)).toEqual([10, 10, 10, 10, 4, 4]);
  });
});

describe('rate limits', () => {
  const hpaDocsScaleDown = {
    ...NO_STABILIZATION,
    limits: { scaleIn: [{ type: 'replicas', value: 4, period: '60s' }, { type: 'percent', value: 10, period: '60s' }] },
  } as const;

  // kubernetes.io HPA "Scaling policies": 80 replicas going to 10 lose 8 first (10%), then 8
  // again at 72 (7.2 rounded up), and 4 at a time once 10% is less than 4 (40 and below).
  it('HPA docs: 80 → 10 with 4 replicas or 10% per minute', () => {
    expect(simulate(Array(14).fill(10), 80, hpaDocsScaleDown)).toEqual([72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16, 12, 10]);
  });

  // HPA's default scale-up: 4 pods or 100%, whichever is more (Tide's default, per minute).
  it('HPA default scale-up: 1 → 20 with 4 replicas or 100% per minute', () => {
    expect(simulate([20, 20, 20, 20], 1, NO_STABILIZATION)).toEqual([5, 10, 20, 20]);
  });

  it.each([
    {
      name: 'counts the scalings already made in the period',
      want: 10, current: 72, scalings: [{ ts: NOW - 15 * SECOND, from: 80, to: 72 }], policy: hpaDocsScaleDown,
      replicas: 72, note: 'limited by scale-in limit -10% per 1m to 72', limitedBy: 'scaleInLimit',
    },
    {
      name: 'forgets a scaling exactly one period old',
      want: 12, current: 8, scalings: [{ ts: NOW - MINUTE, from: 4, to: 8 }], policy: { limits: { scaleOut: [{ type: 'replicas', value: 4, period: '1m' }] } },
      replicas: 12, note: undefined, limitedBy: undefined,
    },
    {
      name: 'holds when the period is used up, never reversing it',
      want: 12, current: 8, scalings: [{ ts: NOW - 30 * SECOND, from: 2, to: 8 }], policy: { limits: { scaleOut: [{ type: 'replicas', value: 4, period: '1m' }] } },
      replicas: 8, note: 'limited by scale-out limit +4 replicas per 1m to 8', limitedBy: 'scaleOutLimit',
    },
    {
      name: 'a scale-out limit starts from replicas before a scale-in in the same period (HPA)',
      want: 20, current: 8, scalings: [{ ts: NOW - 30 * SECOND, from: 10, to: 8 }], policy: { limits: { scaleOut: [{ type: 'replicas', value: 4, period: '1m' }] } },
      replicas: 14, note: 'limited by scale-out limit +4 replicas per 1m to 14', limitedBy: 'scaleOutLimit',
    },
    {
      name: 'percent scale-out limits are exact: 50 × 110% is 55, where floating point rounds up to 56',
      want: 100, current: 50, scalings: [], policy: { limits: { scaleOut: [{ type: 'percent', value: 10, period: '1m' }] } },
      replicas: 55, note: 'limited by scale-out limit +10% per 1m to 55', limitedBy: 'scaleOutLimit',
    },
    {
      name: 'percent scale-in limits are exact: 10 × 10% is 1, where floating point rounds down to 0',
      want: 0, current: 10, scalings: [], policy: { ...NO_STABILIZATION, limits: { scaleIn: [{ type: 'percent', value: 90, period: '1m' }] } },
      replicas: 1, note: 'limited by scale-in limit -90% per 1m to 1', limitedBy: 'scaleInLimit',
    },
    {
      name: 'selectPolicy min picks the smallest scale-out',
      want: 30, current: 10, scalings: [], policy: { limits: { selectPolicy: { scaleOut: 'min' } } },
      replicas: 14, note: 'limited by scale-out limit +4 replicas per 1m to 14', limitedBy: 'scaleOutLimit',
    },
    {
      name: 'selectPolicy max (the default) picks the largest scale-out',
      want: 30, current: 10, scalings: [], policy: {},
      replicas: 20, note: 'limited by scale-out limit +100% per 1m to 20', limitedBy: 'scaleOutLimit',
    },
    {
      name: 'selectPolicy min picks the smallest scale-in',
      want: 10, current: 80, scalings: [], policy: { ...hpaDocsScaleDown, limits: { ...hpaDocsScaleDown.limits, selectPolicy: { scaleIn: 'min' } } },
      replicas: 76, note: 'limited by scale-in limit -4 replicas per 1m to 76', limitedBy: 'scaleInLimit',
    },
    {
      name: 'selectPolicy disabled forbids scale-in',
      want: 1, current: 5, scalings: [], policy: { ...NO_STABILIZATION, limits: { selectPolicy: { scaleIn: 'disabled' } } },
      replicas: 5, note: 'scale-in disabled by limits.selectPolicy.scaleIn', limitedBy: 'scaleInLimit',
    },
    {
      name: 'selectPolicy disabled forbids scale-out',
      want: 9, current: 5, scalings: [], policy: { limits: { selectPolicy: { scaleOut: 'disabled' } } },
      replicas: 5, note: 'scale-out disabled by limits.selectPolicy.scaleOut', limitedBy: 'scaleOutLimit',
    },
    {
      name: 'an empty list means no limit',
      want: 50, current: 1, scalings: [], policy: NO_LIMITS,
      replicas: 50, note: undefined, limitedBy: undefined,
    },
  ] as const)('$name', ({ want, current, scalings, policy, replicas, note, limitedBy }) => {
    const decision = run(want, { current, scalings: [...scalings], policy });
    expect(decision.replicas).toBe(replicas);
    expect(decision.reason).toBe(note ? `${WANTS_REASON(want)}; ${note}` : WANTS_REASON(want));
    expect(decision.limitedBy).toBe(limitedBy);
  });
});

describe('cooldowns', () => {
  const cooldown = { ...NO_STABILIZATION, cooldown: { scaleOut: '60s', scaleIn: '5m' } };

  it.each([
    { name: 'holds a scale-out inside its cooldown', want: 5, current: 3, scalings: [{ ts: NOW - 30 * SECOND, from: 2, to: 3 }], replicas: 3, note: 'in cooldown for scale-out until 2026-11-22T10:00:30Z' },
    { name: 'counts from the latest scale-out', want: 5, current: 3, scalings: [{ ts: NOW - 20 * SECOND, from: 2, to: 3 }, { ts: NOW - 10 * MINUTE, from: 1, to: 2 }], replicas: 3, note: 'in cooldown for scale-out until 2026-11-22T10:00:40Z' },
    { name: 'lets a scale-out go once the cooldown has passed', want: 5, current: 3, scalings: [{ ts: NOW - MINUTE, from: 2, to: 3 }], replicas: 5, note: undefined },
    { name: 'a scale-in does not start the scale-out cooldown', want: 5, current: 3, scalings: [{ ts: NOW - 10 * SECOND, from: 4, to: 3 }], replicas: 5, note: undefined },
    { name: 'holds a scale-in inside its own cooldown', want: 2, current: 4, scalings: [{ ts: NOW - MINUTE, from: 5, to: 4 }], replicas: 4, note: 'in cooldown for scale-in until 2026-11-22T10:04:00Z' },
    { name: 'a scale-out does not start the scale-in cooldown', want: 2, current: 4, scalings: [{ ts: NOW - 10 * SECOND, from: 3, to: 4 }], replicas: 2, note: undefined },
  ])('$name', ({ want, current, scalings, replicas, note }) => {
    const decision = run(want, { current, scalings, policy: cooldown });
    expect(decision.replicas).toBe(replicas);
    expect(decision.reason).toBe(note ? `${WANTS_REASON(want)}; ${note}` : WANTS_REASON(want));
    expect(decision.limitedBy).toBe(note && 'cooldown');
  });
});

describe('min and max', () => {
  it.each([
    { name: 'limits a scale-out to max', want: 12, current: 8, replicas: 10, direction: 'out', note: 'limited by max 10', limitedBy: 'max' },
    { name: 'raises a scale-in to min', want: 1, current: 4, replicas: 2, direction: 'in', note: 'raised to min 2', limitedBy: 'min' },
    { name: 'brings a service above max down even when no rule asks', want: 12, current: 12, replicas: 10, direction: 'in', note: 'limited by max 10', limitedBy: 'max' },
    { name: 'brings a service below min up', want: 0, current: 0, replicas: 2, direction: 'out', note: 'raised to min 2', limitedBy: 'min' },
    { name: 'a proposal at max is not limited', want: 10, current: 8, replicas: 10, direction: 'out', note: undefined, limitedBy: undefined },
  ] as const)('$name', ({ want, current, replicas, direction, note, limitedBy }) => {
    const decision = run(want, { current, min: 2, max: 10, policy: { ...NO_LIMITS, ...NO_STABILIZATION } });
    expect(decision).toMatchObject({ replicas, direction, reason: note ? `${WANTS_REASON(want)}; ${note}` : WANTS_REASON(want) });
    expect(decision.limitedBy).toBe(limitedBy);
  });

  it('applies min even during a cooldown', () => {
    const decision = run(1, { current: 1, min: 2, scalings: [{ ts: NOW - SECOND, from: 2, to: 1 }], policy: { cooldown: { scaleOut: '10m' } } });
    expect(decision.replicas).toBe(2);
  });
});

describe('stage order', () => {
  it('stabilizes first, then rate-limits the stabilized value, and reports each step', () => {
    const decision = run(20, {
      current: 2,
      recommendations: [{ ts: NOW - MINUTE, replicas: 10 }],
      policy: { stabilization: { scaleOut: '3m' }, limits: { scaleOut: [{ type: 'replicas', value: 4, period: '1m' }] } },
    });
    expect(decision).toMatchObject({
      replicas: 6,
      proposed: 20,
      limitedBy: 'scaleOutLimit',
      reason: `${WANTS_REASON(20)}; scale-out limited to 10 by stabilization (lowest recommendation 10 in 3m); limited by scale-out limit +4 replicas per 1m to 6`,
    });
  });
});
