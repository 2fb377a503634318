import type { z } from 'zod';
import type { SimulatedServiceStore } from '../store/simulatedServices';
import type { TargetGuard } from './addresses';

/** Who asked for a scaling: the policy engine, a webhook receiver, or an operator. */
export type Trigger = 'policy' | 'webhook' | 'manual';

export interface ScaleRequest {
  namespace: string;
  service: string;
  from: number;
  to: number;
  trigger: Trigger;
  reason: string;
  /** Epoch milliseconds of the decision. */
  ts: number;
}

/**
 * What Tide needs from a platform: read how many replicas a service has,
 * and set how many it should have. One implementation per platform, in its
 * own file, built from the service's `target` document.
 */
export interface Provider {
  /** The platform's desired replicas, or undefined when the platform cannot say. */
  readReplicas(): Promise<number | undefined>;
  /** Applies a scaling; throws ProviderError saying what failed. */
  setReplicas(request: ScaleRequest): Promise<void>;
}

/** What a provider may use from outside: secrets, the clock and where targets may connect, injected for tests. */
export interface ProviderContext {
  resolveSecret(reference: string): Promise<string>;
  now(): number;
  /** Checked on every connection to the target, against the addresses its host resolves to. */
  guard: TargetGuard;
  /** Only the sim provider needs this: where simulated services keep their state, and which one this is. */
  simulation?: { store: SimulatedServiceStore; namespace: string; service: string };
}

export interface ProviderDefinition<T extends { provider: string }> {
  /** The target document's schema; secrets appear only as references. */
  schema: z.ZodType<T>;
  /** The fields naming secrets, which must lie in the deployment's scope; checked on PUT. */
  secretFields: ReadonlyArray<keyof T & string>;
  /** The fields holding URLs Tide connects to; a refused metadata name or literal address is a 400 on PUT. */
  urlFields: ReadonlyArray<keyof T & string>;
  create(target: T, context: ProviderContext): Provider;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly provider: string,
    readonly operation: 'read' | 'scale',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider} ${operation} failed: ${message}`, options);
  }
}
