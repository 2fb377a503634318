import type { Tide } from '../app';
import { resolveSecret } from '../secrets';
import type { StoredService } from '../store/services';
import type { ProviderContext } from './provider';

/** What a service's provider gets from the running Tide: secrets, the clock, and (sim only) its state. */
export function providerContext(app: Tide, svc: Pick<StoredService, 'namespace' | 'service'>): ProviderContext {
  return {
    resolveSecret: (reference) => resolveSecret(reference, app.now()),
    now: app.now,
    simulation: { store: app.simulatedServices, namespace: svc.namespace, service: svc.service },
  };
}
