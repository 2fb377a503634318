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
 * Where a trigger moves the current count: by `amount` up or down, refused
 * past the receiver's min or max with Rancher's words, and past the
 * service's or pool's own bounds too. A refusal changes nothing.
 */
export function stepFrom(current: number, step: Step, bounds: TargetBounds): number {
  const to = step.action === 'up' ? current + step.amount : current - step.amount;
  if (step.action === 'up') {
    if (to > step.max) refuse('Cannot scale above provided max scale value', current);
    if (to > bounds.max) refuse(`Cannot scale above the ${bounds.what}'s max ${bounds.max}`, current);
  } else {
    if (to < step.min) refuse('Cannot scale below provided min scale value', current);
    if (to < bounds.min) refuse(`Cannot scale below the ${bounds.what}'s min ${bounds.min}`, current);
  }
  return to;
}

function refuse(message: string, current: number): never {
  throw new ScaleRefusedError(message, new RancherError(400, message), current);
}
