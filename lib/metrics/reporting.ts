import type { Tide } from '../app';
import { bucketStartOf } from '../statistics';
import type { ServiceMinute } from '../store/minutes';

/**
 * How far back a count of containers still stands: an agent posts a minute
 * once it has closed, so at any time the newest minute it has sent may have
 * started up to two minutes ago.
 */
const WINDOW_MS = 120_000;

/** How many containers of a service reported lately, as its newest bucket counts them; undefined when none did. */
export async function reportingContainers(app: Tide, namespace: string, service: string): Promise<number | undefined> {
  const now = app.now();
  const bucketMs = app.config.bucketSeconds * 1000;
  const from = bucketStartOf(now - WINDOW_MS, bucketMs);
  const minutes = (await app.minutes.readServiceMinutes(namespace, [app.minutes.shardOf(service)], from, now, service)).get(service) ?? [];
  return newestContainers(minutes, now, bucketMs);
}

/**
 * The containers seen in the newest bucket of the last two minutes that has
 * begun by `now` (a fast node clock's bucket ahead of it does not count):
 * each node's count, added over the nodes.
 */
export function newestContainers(minutes: readonly ServiceMinute[], now: number, bucketMs: number): number | undefined {
  const from = bucketStartOf(now - WINDOW_MS, bucketMs);
  const newest = minutes.filter((m) => m.start >= from && m.start <= now && m.containers > 0).at(-1);
  return newest?.containers;
}
