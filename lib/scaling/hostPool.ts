import type { Tide } from '../app';
import { randomToken } from '../credentials/random';
import { ConflictError } from '../errors';
import { ProviderError, type Trigger } from '../providers/provider';
import type { HostPoolProvider } from '../providers/hostpools/provider';
import { beforeCutoff, scalingTimes } from './deadline';
import { ScaleRefusedError } from './scale';
import { waitForLease } from './waitForLease';
import type { HostPoolEvent } from '../store/hostPoolState';
import type { StoredHostPool } from '../store/hostPools';
import { instancesToRemove, type DeleteOption } from './deleteOrder';

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
  /** busy: another scaling took the pool over before this one could record (nothing recorded). */
  status: HostPoolEvent['status'] | 'busy';
  reason: string;
  detail?: string;
  instances?: string[];
}

/** What the pool's scaling did, as its event records it. */
type Acted = PoolScaleOutcome & { status: HostPoolEvent['status'] };

/**
 * The host pool counterpart of scaleService: take the pool's lease, read its
 * capacity, plan, then raise the desired capacity or remove the instances
 * the deleteOption picks, and record the event as the lease is given back,
 * fenced on the lease as scaleService's is. A refusal is recorded as a
 * skipped event and rethrown.
 */
export async function scaleHostPool(
  app: Tide,
  pool: StoredHostPool,
  intent: PoolScaleIntent,
  options: { owner: string; provider: HostPoolProvider; deadline: number },
): Promise<PoolScaleOutcome> {
  const times = scalingTimes(options.deadline, app.now());
  const lease = `${options.owner}:${randomToken(8)}`;
  const history = (await waitForLease(() => app.hostPoolStates.acquire(pool.namespace, pool.pool, lease, app.now(), times.leaseUntil), {
    wait: true,
    now: app.now,
    until: times.waitUntil,
    what: `host pool ${pool.pool}`,
  })) as HostPoolEvent[];
  const event = (outcome: Acted): HostPoolEvent => ({
    ts: new Date(app.now()).toISOString(),
    namespace: pool.namespace,
    pool: pool.pool,
    trigger: intent.trigger,
    ...(intent.receiver === undefined ? {} : { receiver: intent.receiver }),
    ...outcome,
  });
  const platform = withCutoff(options.provider, pool.target.provider, times.platformUntil, app.now);
  let outcome: Acted;
  try {
    outcome = await act(pool, intent, platform, history.at(-1)?.to ?? 0);
  } catch (error) {
    const refused = error instanceof ScaleRefusedError ? event({ from: error.from, to: error.from, status: 'skipped', reason: error.reason }) : undefined;
    await app.hostPoolStates.release(pool.namespace, pool.pool, lease, history, refused);
    throw error;
  }
  if (await app.hostPoolStates.release(pool.namespace, pool.pool, lease, history, event(outcome))) return outcome;
  return {
    ...outcome,
    status: 'busy',
    reason: 'another scaling took this host pool over before this one could record its outcome',
    detail: `not recorded: ${outcome.status} ${outcome.from} → ${outcome.to}${outcome.detail ? ` (${outcome.detail})` : ''}`,
  };
}

/** The provider with every call given up at `until`, leaving time to record the outcome (see scalingTimes). */
function withCutoff(provider: HostPoolProvider, name: string, until: number, now: () => number): HostPoolProvider {
  const cutoff = (operation: 'read' | 'scale') => ({ until, now, provider: name, operation });
  return {
    readCapacity: () => beforeCutoff(() => provider.readCapacity(), cutoff('read')),
    launchTimes: (ids) => beforeCutoff(() => provider.launchTimes(ids), cutoff('read')),
    setDesired: (to) => beforeCutoff(() => provider.setDesired(to), cutoff('scale')),
    remove: (ids) => beforeCutoff(() => provider.remove(ids), cutoff('scale')),
  };
}

async function act(pool: StoredHostPool, intent: PoolScaleIntent, provider: HostPoolProvider, lastKnown: number): Promise<Acted> {
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
