import { ScaleRefusedError } from '../scaling/scale';
import { RancherError } from './errors';
import type { Action } from './receiverSchema';

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
export function stepFrom(current: number, step: Step, bounds: TargetBounds, steps: number): number {
  const room = step.action === 'up' ? Math.min(step.max, bounds.max) - current : current - Math.max(step.min, bounds.min);
  const fitting = Math.min(steps, Math.floor(room / step.amount));
  if (fitting < 1) refuseOneStep(current, step, bounds);
  return step.action === 'up' ? current + fitting * step.amount : current - fitting * step.amount;
}

/** Why not even one step fits: the receiver's own bound first, as Rancher checks it. */
function refuseOneStep(current: number, step: Step, bounds: TargetBounds): never {
  if (step.action === 'up') {
    refuse(current + step.amount > step.max ? 'Cannot scale above provided max scale value' : `Cannot scale above the ${bounds.what}'s max ${bounds.max}`, current);
  }
  refuse(current - step.amount < step.min ? 'Cannot scale below provided min scale value' : `Cannot scale below the ${bounds.what}'s min ${bounds.min}`, current);
}

function refuse(message: string, current: number): never {
  throw new ScaleRefusedError(message, new RancherError(400, message), current);
}
