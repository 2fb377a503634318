import type { Tide } from '../app';
import { ConflictError } from '../errors';
import { ProviderError, type Trigger } from '../providers/provider';
import type { HostPoolProvider } from '../providers/hostpools/provider';
import { ScaleRefusedError } from '../scaling/scale';
import { waitForLease } from '../scaling/waitForLease';
import type { HostPoolEvent } from '../store/hostPoolState';
import type { StoredHostPool } from '../store/hostPools';
import type { DeleteOption } from '../webhooks/receiverSchema';
import { instancesToRemove } from './deleteOrder';

/** Long enough for a scale-in that terminates instances one call at a time. */
const LEASE_MS = 60_000;

export interface PoolScaleIntent {
  trigger: Trigger;
  receiver?: string;
  /** The capacity wanted from the current one, or a ScaleRefusedError: decided inside the lease. */
  plan(current: number): { to: number; reason: string };
  /** Which instances a scale-in removes first. */
  deleteOption: DeleteOption;
}

export interface PoolScaleOutcome {
  from: number;
  to: number;
  status: HostPoolEvent['status'];
  reason: string;
  detail?: string;
  instances?: string[];
}

/**
 * The host pool counterpart of scaleService: take the pool's lease, read its
 * capacity, plan, then raise the desired capacity or remove the instances
 * the deleteOption picks, and record the event as the lease is given back.
 * A refusal is recorded as a skipped event and rethrown.
 */
export async function scaleHostPool(
  app: Tide,
  pool: StoredHostPool,
  intent: PoolScaleIntent,
  options: { owner: string; provider: HostPoolProvider },
): Promise<PoolScaleOutcome> {
  const history = (await waitForLease(() => app.hostPoolStates.acquire(pool.namespace, pool.pool, options.owner, app.now(), LEASE_MS), {
    wait: true,
    now: app.now,
    what: `host pool ${pool.pool}`,
  })) as HostPoolEvent[];
  const event = (outcome: PoolScaleOutcome): HostPoolEvent => ({
    ts: new Date(app.now()).toISOString(),
    namespace: pool.namespace,
    pool: pool.pool,
    trigger: intent.trigger,
    ...(intent.receiver === undefined ? {} : { receiver: intent.receiver }),
    ...outcome,
  });
  let recorded: HostPoolEvent | undefined;
  try {
    const outcome = await act(pool, intent, options.provider, history.at(-1)?.to ?? 0);
    recorded = event(outcome);
    return outcome;
  } catch (error) {
    if (error instanceof ScaleRefusedError) recorded = event({ from: error.from, to: error.from, status: 'skipped', reason: error.reason });
    throw error;
  } finally {
    await app.hostPoolStates.release(pool.namespace, pool.pool, options.owner, history, recorded);
  }
}

async function act(pool: StoredHostPool, intent: PoolScaleIntent, provider: HostPoolProvider, lastKnown: number): Promise<PoolScaleOutcome> {
  let capacity;
  try {
    capacity = await provider.readCapacity();
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return { from: lastKnown, to: lastKnown, status: 'failed', reason: 'could not read the pool capacity', detail: error.message };
  }
  const from = capacity.desired;
  const { to, reason } = intent.plan(from);
  try {
    if (to >= from) {
      await provider.setDesired(to);
      return { from, to, status: 'applied', reason };
    }
    const candidates = capacity.instances.filter((i) => i.removable);
    const instances = instancesToRemove(candidates, await provider.launchTimes(candidates.map((i) => i.id)), from - to, intent.deleteOption);
    if (instances.length < from - to) {
      const why = `only ${instances.length} of host pool ${pool.pool}'s instances can be removed now; the others are protected from scale-in or not running`;
      throw new ScaleRefusedError(why, new ConflictError(why), from);
    }
    await provider.remove(instances);
    return { from, to, status: 'applied', reason, instances };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return { from, to, status: 'failed', reason, detail: error.message };
  }
}
