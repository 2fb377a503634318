import type { Tide } from '../app';
import type { StoredHostPool } from '../store/hostPools';
import { RancherError } from './errors';

/** Go prints a map as `map[pool:workers tier:web]`, keys sorted; Rancher's messages show selectors that way. */
function goMap(labels: Record<string, string>): string {
  return `map[${Object.keys(labels)
    .sort()
    .map((name) => `${name}:${labels[name]}`)
    .join(' ')}]`;
}

/** A receiver's hostSelector picks the pools whose labels include every one of its labels. */
function matchesSelector(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([name, value]) => labels[name] === value);
}

/**
 * The one host pool of the project whose labels include every label of the
 * selector. Rancher scaled the hosts carrying the label; Tide scales pools,
 * and a selector that matches two pools would leave the choice to chance.
 */
export async function poolFor(app: Tide, projectId: string, selector: Record<string, string>): Promise<StoredHostPool> {
  const pools = (await app.hostPools.list(projectId)).filter((p) => matchesSelector(p.labels, selector));
  const [pool, ...others] = pools;
  if (!pool) throw new RancherError(400, `No host with label ${goMap(selector)} exists`);
  if (others.length > 0) {
    const names = pools.map((p) => p.pool).join(', ');
    throw new RancherError(400, `Host selector ${goMap(selector)} matches ${pools.length} host pools (${names}); it must match one`);
  }
  return pool;
}
