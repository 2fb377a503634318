import type { Tide } from '../app';
import { resolvePlatformSecret } from '../secrets';
import type { StoredService } from '../store/services';
import type { ProviderContext } from './provider';

/** What a service's provider gets from the running Tide: its stage's secrets, the clock, the target guard, and (sim only) its state. */
export function providerContext(app: Tide, svc: Pick<StoredService, 'namespace' | 'service'>): ProviderContext {
  return {
    resolveSecret: (reference) => resolvePlatformSecret(reference, app.config, app.now()),
    now: app.now,
    guard: app.config,
    simulation: { store: app.simulatedServices, namespace: svc.namespace, service: svc.service },
  };
}
