import * as z from 'zod';
import { durationAtMost, parseDuration } from '../duration';
import { create, cpuRatio, desired, ready, setDesired, type SimulatedService } from '../sim/model';
import type { SimulatedServiceStore } from '../store/simulatedServices';
import { ProviderError, type Provider, type ProviderContext, type ProviderDefinition, type ScaleRequest } from './provider';

// A service that exists only in Tide's table, for demos and backtests: the
// platform is lib/sim/model.ts, its state one DynamoDB item per service.

/** Keeps a simulated service's item far below DynamoDB's 400 KB item limit. */
export const MAX_SIMULATED_REPLICAS = 10_000;

const REPLICAS_RULE = `must be a whole number from 0 to ${MAX_SIMULATED_REPLICAS}`;

export const simTarget = z.strictObject({
  provider: z.literal('sim'),
  offeredLoad: z
    .number({ error: 'must be a number >= 0: the load clients send, in the units of capacityPerReplica' })
    .min(0, { error: 'must be a number >= 0: the load clients send, in the units of capacityPerReplica' }),
  capacityPerReplica: z
    .number({ error: 'must be a number > 0: the load one replica serves at 100% CPU' })
    .positive({ error: 'must be a number > 0: the load one replica serves at 100% CPU' }),
  // A policy's readinessDelay, its wait for starting replicas, is at most an hour: a slower start simulates nothing it can act on.
  startupDelay: durationAtMost(3_600_000, 'no policy waits longer for a starting replica (readinessDelay)').default('60s'),
  initialReplicas: z
    .number({ error: REPLICAS_RULE })
    .int({ error: REPLICAS_RULE })
    .min(0, { error: REPLICAS_RULE })
    .max(MAX_SIMULATED_REPLICAS, { error: REPLICAS_RULE })
    .default(1),
});

export type SimTarget = z.output<typeof simTarget>;

/** Where the provider keeps its state, and which simulated service it runs. */
export interface Simulation {
  store: Pick<SimulatedServiceStore, 'get' | 'put'>;
  namespace: string;
  service: string;
}

export class SimProvider implements Provider {
  constructor(
    private readonly target: SimTarget,
    private readonly simulation: Simulation,
    private readonly now: () => number,
  ) {}

  /** The desired replicas, starting or ready, as a platform reports them. */
  async readReplicas(): Promise<number> {
    return desired(await this.load('read'));
  }

  async setReplicas(request: ScaleRequest): Promise<void> {
    if (request.to > MAX_SIMULATED_REPLICAS) {
      throw new ProviderError('sim', 'scale', `${request.to} replicas is more than the simulator runs (${MAX_SIMULATED_REPLICAS})`);
    }
    const current = await this.load('scale');
    const next = setDesired(current, request.to, this.now(), parseDuration(this.target.startupDelay));
    const { store, namespace, service } = this.simulation;
    await store.put(namespace, service, next).catch((error: unknown) => {
      throw new ProviderError('sim', 'scale', `cannot save the simulated service: ${(error as Error).message}`, { cause: error });
    });
  }

  private async load(operation: 'read' | 'scale'): Promise<SimulatedService> {
    const { store, namespace, service } = this.simulation;
    const saved = await store.get(namespace, service).catch((error: unknown) => {
      throw new ProviderError('sim', operation, `cannot load the simulated service: ${(error as Error).message}`, { cause: error });
    });
    return saved ?? initial(this.target, this.now());
  }
}

export const sim: ProviderDefinition<SimTarget> = {
  schema: simTarget,
  secretFields: [],
  urlFields: [],
  create(target: SimTarget, context: ProviderContext): Provider {
    // A wiring mistake, not a platform failure: the composition root must pass the simulation.
    if (!context.simulation) throw new Error('the sim provider needs context.simulation');
    return new SimProvider(target, context.simulation, context.now);
  },
};

export interface SimulatedSample {
  container: string;
  cpu_ratio: number;
}

/**
 * What the simulated service's containers would send the ingest API now: one
 * cpu_ratio per ready replica. With none ready, one reading from `sim-0` at
 * cpuRatio's no-replica value: a real platform would go silent, but the demo
 * keeps a signal so a threshold rule can still scale out from zero.
 */
export function simulatedSamples(state: SimulatedService | undefined, target: SimTarget, now: number): SimulatedSample[] {
  const service = state ?? initial(target, now);
  const cpu = cpuRatio(service, target.offeredLoad, now, target.capacityPerReplica);
  const count = Math.max(ready(service, now), 1);
  return Array.from({ length: count }, (_, i) => ({ container: `sim-${i}`, cpu_ratio: cpu }));
}

/** Before its first scaling the service runs initialReplicas, all of them ready. */
function initial(target: SimTarget, now: number): SimulatedService {
  return create(target.initialReplicas, now);
}
