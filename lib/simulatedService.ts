/**
 * A simulated service for demos and backtests: replicas that take a start-up
 * delay to become ready, and a CPU reading that follows the offered load.
 * Pure functions over numbers and epoch-millisecond times; the caller owns the
 * clock, so a backtest can replay hours in a loop.
 */

export interface Replica {
  /** When the replica starts serving (epoch ms); replicas that exist before the simulation are ready at once. */
  readyAt: number;
}

export interface SimulatedService {
  /** Sorted by readyAt, earliest first: the order in which replicas are kept on scale-in. */
  replicas: readonly Replica[];
}

export const DEFAULT_STARTUP_DELAY_MS = 60_000;

/** Keeps a simulated service's item far below DynamoDB's 400 KB item limit. */
export const MAX_SIMULATED_REPLICAS = 10_000;

export function create(initialReplicas: number, now: number): SimulatedService {
  return { replicas: Array.from({ length: replicaCount(initialReplicas) }, () => ({ readyAt: now })) };
}

/** The replicas the service should have, ready or not: what the platform would report as desired. */
export function desired(service: SimulatedService): number {
  return service.replicas.length;
}

/**
 * Scales to `replicas`: new ones become ready after the start-up delay; removals
 * happen at once and take the replicas that would be ready last, so starting
 * ones go before serving ones, as an orchestrator cancels pending tasks first.
 */
export function setDesired(service: SimulatedService, replicas: number, now: number, startupDelayMs = DEFAULT_STARTUP_DELAY_MS): SimulatedService {
  const target = replicaCount(replicas);
  const current = service.replicas.length;
  if (target <= current) return { replicas: service.replicas.slice(0, target) };
  const started = Array.from({ length: target - current }, () => ({ readyAt: now + startupDelayMs }));
  return { replicas: [...service.replicas, ...started].sort((a, b) => a.readyAt - b.readyAt) };
}

/** Replicas serving at `now`. */
export function ready(service: SimulatedService, now: number): number {
  return service.replicas.filter((replica) => replica.readyAt <= now).length;
}

/**
 * The cpu_ratio each ready replica reports: 100 × load ÷ (ready × capacity),
 * where capacity is the load one replica serves at 100 % CPU. It is demand, not
 * usage, so an overloaded service reads above 100 and a target rule can size
 * the scale-out in one step. With no ready replica the load has nowhere to go;
 * the reading is what one replica would show carrying all of it, which keeps it
 * finite and never lower than with one replica ready.
 */
export function cpuRatio(service: SimulatedService, load: number, now: number, capacity: number): number {
  return (100 * load) / (Math.max(ready(service, now), 1) * positiveCapacity(capacity));
}

/** True when the ready replicas cannot serve the whole offered load. */
export function overloaded(service: SimulatedService, load: number, now: number, capacity: number): boolean {
  return load > ready(service, now) * positiveCapacity(capacity);
}

function replicaCount(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${n} is not a whole, non-negative number of replicas`);
  return n;
}

function positiveCapacity(capacity: number): number {
  if (!(capacity > 0) || !Number.isFinite(capacity)) throw new RangeError(`capacity ${capacity} must be a finite number > 0`);
  return capacity;
}
