import type { Tide } from '../app';
import { resolvePlatformSecret } from '../secrets';
import type { StoredService } from '../store/services';
import type { Provider } from './provider';
import { createProvider } from './registry';
import { SimProvider, type Simulator } from './sim';

/** The node name a simulated service's samples are stored under. */
const SIMULATION_NODE = 'tide-sim';

/**
 * The provider for a service's target, with what the running Tide lends it:
 * its stage's secrets and the target guard; the simulator, whose platform is
 * Tide itself, its state in Tide's table and Tide's ingest for its metrics.
 */
export function providerFor(app: Tide, svc: Pick<StoredService, 'namespace' | 'service' | 'target'>): Provider {
  const { target } = svc;
  if (target.provider === 'sim') return new SimProvider(target, simulator(app, svc), app.now);
  return createProvider(target, {
    resolveSecret: (reference) => resolvePlatformSecret(reference, app.config, app.now()),
    guard: app.config,
    endpoints: app.config.endpoints,
  });
}

function simulator(app: Tide, { namespace, service }: Pick<StoredService, 'namespace' | 'service'>): Simulator {
  return {
    load: () => app.simulatedServices.get(namespace, service),
    save: (state) => app.simulatedServices.put(namespace, service, state),
    report: async (samples, ts) => {
      // Ingest's modules load zod: imported at the first report, so an evaluator without simulated services never loads them.
      const { recordSamples } = await import('../ingest/record');
      await recordSamples(app, { namespace, node: SIMULATION_NODE, samples: samples.map((sample) => ({ ts, service, ...sample })) });
    },
  };
}
