import { parseDuration } from '../duration';
import { create, cpuRatio, desired, MAX_SIMULATED_REPLICAS, ready, setDesired, type SimulatedService } from '../simulatedService';
import { ProviderError, type Provider, type ScaleRequest } from './provider';
import type { SimTarget } from '../targets/sim';

// A service that exists only in Tide, for demos: the platform is
// lib/simulatedService.ts, its state one item in Tide's table, and its containers
// report through Tide's own ingest, since no node agent runs them.

/** One container's reading, as a node agent would send it. */
export interface SimulatedSample {
  container: string;
  cpu_ratio: number;
}

/** Where a simulated service lives: what the composition root lends the provider (lib/providers/context.ts). */
export interface Simulator {
  /** The service's state; undefined before its first scaling. */
  load(): Promise<SimulatedService | undefined>;
  save(service: SimulatedService): Promise<void>;
  /** Stores what its containers read at `ts`, as ingest stores a node agent's batch. */
  report(samples: SimulatedSample[], ts: number): Promise<void>;
}

export class SimProvider implements Provider {
  constructor(
    private readonly target: SimTarget,
    private readonly simulator: Simulator,
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
    await this.simulator.save(next).catch((error: unknown) => {
      throw new ProviderError('sim', 'scale', `cannot save the simulated service: ${(error as Error).message}`, { cause: error });
    });
  }

  /** What the ready replicas would send at `now`, given the target's offered load: change `offeredLoad` with PUT to play a spike. */
  async reportMetrics(now: number): Promise<void> {
    await this.simulator.report(simulatedSamples(await this.simulator.load(), this.target, now), now);
  }

  private async load(operation: 'read' | 'scale'): Promise<SimulatedService> {
    const saved = await this.simulator.load().catch((error: unknown) => {
      throw new ProviderError('sim', operation, `cannot load the simulated service: ${(error as Error).message}`, { cause: error });
    });
    return saved ?? initial(this.target, this.now());
  }
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
