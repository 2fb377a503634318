import type { Tide } from '../app';
import type { HostPoolProvider, PoolInstance } from '../providers/hosts/provider';
import type { Trigger } from '../store/events';
import type { HostPoolEvent } from '../store/hostPoolState';
import type { StoredHostPool } from '../store/hostPools';
import type { DeleteOption } from '../store/receivers';
import { instancesToRemove } from './deleteOrder';
import { eventFields, runScaling, type Move, type Plan, type Ran, type Scalable, type ScaleOptions, type ScaleOutcome } from './engine';

export interface PoolScaleIntent {
  trigger: Trigger;
  receiver?: string;
  /** The capacity wanted from the current one, or a refusal: decided once the lease is held. */
  plan(current: number): Plan;
  /** Which instances a scale-in removes first. */
  deleteOption: DeleteOption;
}

export interface PoolScaleOptions extends Omit<ScaleOptions, 'now' | 'dryRun'> {
  provider: HostPoolProvider;
}

/**
 * A host pool's scaling through the engine: its lease, its capacity, then
 * the desired capacity raised, or the instances the deleteOption picks
 * removed; every outcome that reached the platform or was refused is an
 * event in the pool's history.
 */
export function scaleHostPool(app: Tide, pool: StoredHostPool, intent: PoolScaleIntent, options: PoolScaleOptions): Promise<ScaleOutcome> {
  return runScaling(poolSubject(app, pool, intent, options.provider), intent.plan, { ...options, dryRun: false, now: app.now });
}

/** The pool's lease returns its recent events, oldest first: the last one holds the capacity Tide last knew. */
function poolSubject(app: Tide, pool: StoredHostPool, intent: PoolScaleIntent, provider: HostPoolProvider): Scalable<HostPoolEvent[], Move, HostPoolEvent> {
  const { namespace } = pool;
  // The instances listed with the capacity: a scale-in picks among them. One subject serves one scaling.
  let instances: PoolInstance[] = [];
  return {
    kind: 'host pool',
    name: pool.pool,
    provider: pool.target.provider,
    acquire: (lease, now, until) => app.hostPoolStates.acquire(namespace, pool.pool, lease, now, until),
    read: async (_history, inTime) => {
      const capacity = await inTime('read', () => provider.readCapacity());
      instances = capacity.instances;
      return capacity.desired;
    },
    known: (history) => history.at(-1)?.to ?? 0,
    unreadable: 'could not read the pool capacity',
    apply: async (from, { to }, { inTime }) => {
      if (to > from) {
        await inTime('scale', () => provider.setDesired(to));
        return {};
      }
      const candidates = instances.filter((i) => i.removable);
      const launched = await inTime('read', () => provider.launchTimes(candidates.map((i) => i.id)));
      const removed = instancesToRemove(candidates, launched, from - to, intent.deleteOption);
      if (removed.length < from - to) {
        return {
          refused: 'unremovable',
          reason: `only ${removed.length} of host pool ${pool.pool}'s instances can be removed now; the others are protected from scale-in or not running`,
        };
      }
      await inTime('scale', () => provider.remove(removed));
      return { instances: removed };
    },
    release: async (lease, history, ran) => {
      const event = ran && ran.outcome.status !== 'unchanged' ? eventOf(pool, intent, ran) : undefined;
      return { recorded: await app.hostPoolStates.release(namespace, pool.pool, lease, history, event), ...(event ? { event } : {}) };
    },
  };
}

function eventOf(pool: StoredHostPool, intent: PoolScaleIntent, ran: Ran<Move>): HostPoolEvent {
  const { from, to, instances } = ran.outcome;
  // A pool's counts are always known: its last event's, or 0 before any.
  return { ...eventFields(ran, intent), namespace: pool.namespace, pool: pool.pool, from: from ?? 0, to: to ?? 0, ...(instances === undefined ? {} : { instances }) };
}
