import type { Trigger } from '../store/events';
import type { TargetGuard } from '../targets/addresses';

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
  /**
   * Only a platform without node agents has this (the simulator): it reports
   * its containers' metrics itself, just before the evaluator reads them, as
   * read at `now`, the moment the evaluator decides at.
   */
  reportMetrics?(now: number): Promise<void>;
}

/** What a provider may use from outside: secrets, and where targets may connect, injected for tests. */
export interface ProviderContext {
  resolveSecret(reference: string): Promise<string>;
  /** Checked on every connection to the target, against the addresses its host resolves to. */
  guard: TargetGuard;
  /** Platform APIs elsewhere than at their public endpoints (TIDE_ECS_ENDPOINT): local fakes, private endpoints. */
  endpoints?: { ecs?: string };
}

/** Builds a platform's provider for one target. */
export type CreateProvider<T> = (target: T, context: ProviderContext) => Provider;

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
