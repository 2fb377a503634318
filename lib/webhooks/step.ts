import type { Plan, Refusal } from '../scaling/engine';
import type { Action } from '../store/receivers';

export interface Step {
  action: Action;
  amount: number;
  /** The receiver's own bounds, as Rancher checks them. */
  min: number;
  max: number;
}

/** The bounds of what is scaled (a service's or host pool's min and max), which no trigger may cross either. */
export interface TargetBounds {
  what: string;
  min: number;
  max: number;
}

/**
 * Where a trigger moves the current count: by `amount` up or down, once per
 * step asked (one per newly firing alert), as many whole steps as fit inside
 * the receiver's and the service's or pool's bounds. When not even one fits,
 * refused with Rancher's words; a refusal changes nothing.
 */
export function stepFrom(current: number, step: Step, bounds: TargetBounds, steps: number, reason: string): Plan {
  const room = step.action === 'up' ? Math.min(step.max, bounds.max) - current : current - Math.max(step.min, bounds.min);
  const fitting = Math.min(steps, Math.floor(room / step.amount));
  if (fitting < 1) return oneStepRefused(current, step, bounds);
  return { to: step.action === 'up' ? current + fitting * step.amount : current - fitting * step.amount, reason };
}

/** Why not even one step fits: the receiver's own bound first, as Rancher checks it. */
function oneStepRefused(current: number, step: Step, bounds: TargetBounds): Refusal {
  if (step.action === 'up') {
    return { refused: 'bound', reason: current + step.amount > step.max ? 'Cannot scale above provided max scale value' : `Cannot scale above the ${bounds.what}'s max ${bounds.max}` };
  }
  return { refused: 'bound', reason: current - step.amount < step.min ? 'Cannot scale below provided min scale value' : `Cannot scale below the ${bounds.what}'s min ${bounds.min}` };
}
