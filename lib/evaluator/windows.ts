import type { Tide } from '../app';
import { bucketStartOf, type MetricBucket } from '../statistics';

// The buckets a tick's decisions read, for every service at once: one read of the minutes store
// per (namespace, storage shard), whatever the number of services in it. A bucket that closed a
// while ago no longer changes, so each warm evaluator container keeps those it read, and a tick
// reads again only the recent minutes, where the agents' posts still land.

/**
 * How far back a tick reads again what it read before: an agent posts each minute once it closes,
 * and a minute it could not post with its next posts; one posted later than this is seen by
 * containers that had not read that minute yet, and by this one once it starts afresh.
 */
export const RECENT_MS = 5 * 60_000;

/** Ingest takes samples up to 5 minutes ahead: a fast node clock should not vanish. */
const AHEAD_MS = 300_000;

interface Kept {
  /** The first bucket start kept, and the one after the last (buckets that started before `until` are settled). */
  from: number;
  until: number;
  /** The tick that read them: a clock that went back (a test's) starts afresh. */
  at: number;
  byService: Map<string, MetricBucket[]>;
}

/** Settled buckets by table, namespace and shard, for this container's life. */
const kept = new Map<string, Kept>();

/** What one service's decisions read: its metrics, from the first bucket its windows reach. */
export interface WindowNeeded {
  namespace: string;
  service: string;
  metrics: readonly string[];
  /** Epoch ms. */
  from: number;
}

/** The buckets of every service in `needs` (by `namespace#service`), each from its own `from` and of its own metrics, as of `now`. */
export async function readWindows(app: Tide, needs: readonly WindowNeeded[], now: number): Promise<Map<string, MetricBucket[]>> {
  const groups = new Map<string, { namespace: string; shard: number; from: number }>();
  for (const need of needs) {
    const shard = app.minutes.shardOf(need.service);
    const id = `${need.namespace}#${shard}`;
    const group = groups.get(id);
    groups.set(id, { namespace: need.namespace, shard, from: Math.min(group?.from ?? Infinity, need.from) });
  }
  const read = new Map<string, Map<string, MetricBucket[]>>();
  await Promise.all([...groups].map(async ([id, g]) => read.set(id, await readShard(app, g.namespace, g.shard, g.from, now))));
  return new Map(
    needs.map((need) => {
      const wanted = new Set(need.metrics);
      const all = read.get(`${need.namespace}#${app.minutes.shardOf(need.service)}`)?.get(need.service) ?? [];
      return [`${need.namespace}#${need.service}`, all.filter((b) => b.start >= need.from && wanted.has(b.metric))];
    }),
  );
}

/**
 * Every service's buckets in one shard of a namespace from `from` to a few minutes ahead of
 * `now`: the settled ones this container kept, and a read of the rest (the recent minutes, and
 * any older ones not kept), then keeps the settled ones from `from` on.
 */
async function readShard(app: Tide, namespace: string, shard: number, from: number, now: number): Promise<Map<string, MetricBucket[]>> {
  const key = `${app.config.tableName}#${namespace}#${shard}`;
  const bucketMs = app.config.bucketSeconds * 1000;
  const settled = bucketStartOf(now - RECENT_MS, bucketMs);
  const before = kept.get(key);
  const known = before && before.at <= now ? before : undefined;
  const ranges: Array<[number, number]> = known
    ? [...(from < known.from ? [[from, known.from - 1] as [number, number]] : []), [Math.max(from, Math.min(known.until, settled)), now + AHEAD_MS]]
    : [[from, now + AHEAD_MS]];
  const reads = await Promise.all(ranges.map(([start, end]) => app.minutes.readMinutes(namespace, [shard], start, end)));
  const byService = new Map<string, MetricBucket[]>();
  const add = (service: string, buckets: readonly MetricBucket[]) => byService.set(service, [...(byService.get(service) ?? []), ...buckets]);
  const fresh = Math.min(known?.until ?? from, settled);
  for (const [service, buckets] of known?.byService ?? []) add(service, buckets.filter((b) => b.start >= from && b.start < fresh));
  for (const read of reads) for (const [service, buckets] of read) add(service, buckets);
  for (const buckets of byService.values()) buckets.sort((a, b) => a.start - b.start);
  const keep = new Map([...byService].map(([service, buckets]) => [service, buckets.filter((b) => b.start < settled)]));
  // A window shorter than the recent minutes keeps nothing: the kept span starts no later than it ends.
  kept.set(key, { from: Math.min(from, settled), until: settled, at: now, byService: keep });
  return byService;
}
