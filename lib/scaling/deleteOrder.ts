import type { PoolInstance } from '../providers/hosts/provider';
import type { DeleteOption } from '../store/receivers';

/**
 * The instances a scale-in removes, in Rancher's deleteOption order:
 * `mostRecent` takes the newest launches first, `leastRecent` the oldest.
 * An instance the platform cannot date yet has only just been launched, so
 * it counts as the newest. Equal times fall back to the instance id, so the
 * choice never depends on the order the platform listed them in.
 */
export function instancesToRemove(instances: PoolInstance[], launchedAt: Map<string, number>, count: number, order: DeleteOption): string[] {
  const time = (id: string) => launchedAt.get(id) ?? Number.MAX_SAFE_INTEGER;
  const oldestFirst = instances
    .filter((i) => i.removable)
    .map((i) => i.id)
    .sort((a, b) => time(a) - time(b) || a.localeCompare(b));
  const ordered = order === 'mostRecent' ? oldestFirst.reverse() : oldestFirst;
  return ordered.slice(0, count);
}
