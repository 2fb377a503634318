import type { Statistic } from '../statistics';
import { loadRule, type LoadContext } from './loadRule';
import type { Rule, StepChange, StepRule, TargetRule, ThresholdRule } from './schema';
import type { RuleResult } from './types';

/** Reads a statistic over a window written as a duration string; undefined = no data. */
export type Read = (metric: string, statistic: Statistic, window: string) => number | undefined;

/** Numbers in reasons: one decimal at most, so "83.14159" reads "83.1" and "70.0" reads "70". */
export const fmt = (n: number): string => String(Math.round(n * 10) / 10 || 0);

// Products such as 3 × 0.2 / 0.1 come out a hair above a whole number in floating point
// (6.000000000000001); without this slack ceil() would add a replica nobody asked for. An idle
// queue's 0 would come out as -0 ("|| 0").
const EPSILON = 1e-9;
const ceil = (x: number): number => Math.ceil(x - EPSILON) || 0;

/** Replicas a percent of `current` stands for: rounded up and at least 1, so a percent always moves. */
const percentOf = (current: number, percent: number): number => Math.max(1, ceil((current * percent) / 100));

/** A count, or a "50%" string, as replicas. */
function replicasIn(by: number | string, current: number): number {
  return typeof by === 'number' ? by : percentOf(current, Number.parseInt(by, 10));
}

/** The windows a rule reads its metric over. */
export function ruleWindows(rule: Rule): string[] {
  if (rule.type === 'threshold') return [rule.outDuration, rule.inDuration];
  if (rule.type === 'load') return [rule.outWindow, rule.inWindow];
  return [rule.window];
}

/**
 * What each rule asks for, given the current replicas, how many of them are still
 * starting (added within the policy's readinessDelay), and a way to read metrics; a load rule
 * reads per-bucket values and the scalings (LoadContext).
 */
export function evaluateRule(rule: Rule, current: number, starting: number, read: Read, load: LoadContext): RuleResult {
  switch (rule.type) {
    case 'threshold':
      return threshold(rule, current, starting, read);
    case 'target':
      return target(rule, current, starting, read);
    case 'step':
      return step(rule, current, starting, read);
    case 'load':
      return loadRule(rule, current, load);
  }
}

const noData = (base: Omit<RuleResult, 'window' | 'value' | 'proposal' | 'explanation'>, window: string, current: number): RuleResult => ({
  ...base,
  window,
  value: null,
  proposal: current,
  explanation: `no data for ${base.metric} in ${window}: no scale-in`,
});

/**
 * A scale-out while replicas are still starting counts from the ready ones, and the starting ones
 * count toward it (as AWS step scaling's warm-up does): the metric has not yet seen them carry
 * load, so "+1 while above 70" must not add a replica every evaluation until they report.
 */
function scaleOutFromReady(current: number, starting: number, added: (base: number) => number): { proposal: number; note: string } {
  const ready = current - Math.min(starting, current);
  const proposal = Math.max(current, ready + added(ready));
  if (ready === current) return { proposal, note: `+${proposal - current} → ${proposal}` };
  const held = proposal === current ? `held at ${current}` : `→ ${proposal}`;
  return { proposal, note: `+${added(ready)} on ${ready} ready (${current - ready} still starting) ${held}` };
}

function threshold(rule: ThresholdRule, current: number, starting: number, read: Read): RuleResult {
  const { type, metric, statistic, scaleOutAbove: above, scaleInBelow: below, outDuration, inDuration } = rule;
  const base = { type, metric, statistic };
  const subject = `${metric} ${statistic}`;
  const out = above === undefined ? undefined : read(metric, statistic, outDuration);
  const inn = below === undefined ? undefined : read(metric, statistic, inDuration);

  if (above !== undefined && out !== undefined && out > above) {
    const { proposal, note } = scaleOutFromReady(current, starting, (ready) => replicasIn(rule.increaseBy, ready));
    return { ...base, window: outDuration, value: out, proposal, explanation: `${subject} ${fmt(out)} > ${fmt(above)} for ${outDuration}; ${note}` };
  }
  // A window without data may hide load: hold rather than let any rule scale in.
  if (above !== undefined && out === undefined) return noData(base, outDuration, current);
  if (below !== undefined && inn === undefined) return noData(base, inDuration, current);

  if (below !== undefined && inn !== undefined && inn < below) {
    const by = replicasIn(rule.decreaseBy, current);
    const proposal = Math.max(0, current - by);
    return { ...base, window: inDuration, value: inn, proposal, explanation: `${subject} ${fmt(inn)} < ${fmt(below)} for ${inDuration}; -${by} → ${proposal}` };
  }

  // Neither line crossed; every configured window has data.
  const held: string[] = [];
  if (above !== undefined && out !== undefined) held.push(`${fmt(out)} not above ${fmt(above)} for ${outDuration}`);
  if (below !== undefined && inn !== undefined) held.push(`${fmt(inn)} not below ${fmt(below)} for ${inDuration}`);
  const explanation =
    above !== undefined && below !== undefined && out !== undefined && outDuration === inDuration
      ? `${subject} ${fmt(out)} within ${fmt(above)}/${fmt(below)}`
      : `${subject} ${held.join(', ')}`;
  return {
    ...base,
    window: above === undefined ? inDuration : outDuration,
    value: out ?? inn ?? null,
    proposal: below === undefined ? null : current,
    explanation,
  };
}

/**
 * Target tracking as the Kubernetes HPA computes it: desired = ceil(current × value / target),
 * unchanged while value/target is within 1 ± tolerance.
 *
 * With 0 replicas there is no per-replica average to compare, and the formula would stay at 0
 * forever. The value is then read as the load a single replica would carry: any value above 0
 * wakes the service (as KEDA's activation does) with ceil(value / target) replicas, and 0 or
 * less keeps it at 0. Most built-in metrics have no data at 0 replicas, so this matters for
 * custom metrics such as a queue length.
 *
 * With per "service" the value is the whole service's (a queue's depth) and the target is what
 * one replica handles: ceil(value / target) replicas, as KEDA's AverageValue.
 *
 * Replicas still starting report nothing, so the value is the ready replicas' load. Scaling out
 * from every replica would count the starting ones as loaded too and overshoot, doubling each
 * evaluation while they start; like HPA, which takes not-ready pods as idle on scale-up, the
 * scale-out is computed from the ready replicas, and never proposes fewer than there are.
 */
function target(rule: TargetRule, current: number, starting: number, read: Read): RuleResult {
  const { type, metric, statistic, window } = rule;
  const base = { type, metric, statistic, window };
  const value = read(metric, statistic, window);
  if (value === undefined) return noData(base, window, current);
  const subject = `${metric} ${statistic} ${fmt(value)}`;
  const goal = fmt(rule.target);

  if (current === 0) {
    const proposal = value > 0 ? ceil(value / rule.target) : 0;
    return { ...base, value, proposal, explanation: `${subject} with 0 replicas vs target ${goal}; ceil(${fmt(value)} / ${goal}) → ${proposal}` };
  }
  if (rule.per === 'service') {
    // The whole service's value (a queue's depth), the target what one replica handles (KEDA's AverageValue).
    const perReplica = value / current;
    const { tolerance, side } = toleranceFor(rule.tolerance, perReplica > rule.target);
    if (Math.abs(perReplica / rule.target - 1) <= tolerance + EPSILON) {
      return { ...base, value, proposal: current, explanation: `${subject} for ${current} replicas, ${fmt(perReplica)} each, within ${side}${fmt(tolerance * 100)}% of target ${goal}` };
    }
    // The value does not depend on how many replicas report it: replicas still starting need no correction.
    const proposal = ceil(value / rule.target);
    return { ...base, value, proposal, explanation: `${subject} for the service vs target ${goal} a replica; ceil(${fmt(value)} / ${goal}) → ${proposal}` };
  }
  const { tolerance, side } = toleranceFor(rule.tolerance, value > rule.target);
  if (Math.abs(value / rule.target - 1) <= tolerance + EPSILON) {
    return { ...base, value, proposal: current, explanation: `${subject} within ${side}${fmt(tolerance * 100)}% of target ${goal}` };
  }
  const ready = current - Math.min(starting, current);
  if (value > rule.target && ready < current) {
    const proposal = Math.max(current, ceil((ready * value) / rule.target));
    return {
      ...base,
      value,
      proposal,
      explanation: `${subject} vs target ${goal}; ${current - ready} of ${current} replicas still starting; ceil(${ready} ready × ${fmt(value)} / ${goal}) → ${proposal}`,
    };
  }
  const proposal = ceil((current * value) / rule.target);
  return { ...base, value, proposal, explanation: `${subject} vs target ${goal}; ceil(${current} × ${fmt(value)} / ${goal}) → ${proposal}` };
}

/** A tolerance for both directions, or one per direction (Kubernetes KEP-4951): the one for the side the value is on. */
function toleranceFor(tolerance: TargetRule['tolerance'], above: boolean): { tolerance: number; side: string } {
  if (typeof tolerance === 'number') return { tolerance, side: '' };
  return above ? { tolerance: tolerance.scaleOut, side: 'the scale-out tolerance, ' } : { tolerance: tolerance.scaleIn, side: 'the scale-in tolerance, ' };
}

function step(rule: StepRule, current: number, starting: number, read: Read): RuleResult {
  const { type, metric, statistic, window } = rule;
  const base = { type, metric, statistic, window };
  const value = read(metric, statistic, window);
  if (value === undefined) return noData(base, window, current);
  const subject = `${metric} ${statistic} ${fmt(value)}`;

  const match = rule.steps.find((s) => (s.above !== undefined ? value > s.above : s.below !== undefined && value < s.below));
  if (!match) return { ...base, value, proposal: current, explanation: `${subject} matches no step` };

  const condition = match.above !== undefined ? `> ${fmt(match.above)}` : `< ${fmt(match.below ?? 0)}`;
  const grows = typeof match.change === 'number' ? match.change > 0 : typeof match.change === 'string' && match.change.startsWith('+');
  if (grows && starting > 0) {
    const { proposal, note } = scaleOutFromReady(current, starting, (ready) => applyChange(match.change, ready).proposal - ready);
    return { ...base, value, proposal, explanation: `${subject} ${condition} for ${window}; ${note}` };
  }
  const { proposal, change } = applyChange(match.change, current);
  return { ...base, value, proposal, explanation: `${subject} ${condition} for ${window}; ${change}` };
}

function applyChange(change: StepChange, current: number): { proposal: number; change: string } {
  if (typeof change === 'object') return { proposal: change.exact, change: `exactly ${change.exact}` };
  let delta: number;
  if (typeof change === 'number') delta = change;
  else {
    const replicas = percentOf(current, Number.parseInt(change.slice(1), 10));
    delta = change.startsWith('-') ? -replicas : replicas;
  }
  const proposal = Math.max(0, current + delta);
  return { proposal, change: `${typeof change === 'string' ? change : delta < 0 ? delta : `+${delta}`} → ${proposal}` };
}
