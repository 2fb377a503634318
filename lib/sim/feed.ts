import type { Tide } from '../app';
import { recordSamples } from '../ingest/record';
import type { SimTarget } from '../providers/sim';
import { simulatedSamples } from '../providers/sim';
import type { StoredService } from '../store/services';

/** The node name a simulated service's samples are stored under. */
export const SIMULATION_NODE = 'tide-sim';

/**
 * A simulated service has no node agent, so the evaluator reports for it just
 * before reading its windows: what its ready replicas would send now, given
 * the target's offered load. Change `offeredLoad` with PUT to play a spike.
 */
export async function reportSimulatedMetrics(app: Tide, svc: StoredService & { target: SimTarget }): Promise<void> {
  const now = app.now();
  const state = await app.simulatedServices.get(svc.namespace, svc.service);
  const samples = simulatedSamples(state, svc.target, now).map((s) => ({ ts: now, service: svc.service, ...s }));
  await recordSamples(app, { namespace: svc.namespace, node: SIMULATION_NODE, samples });
}
