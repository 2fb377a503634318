import { HISTORY_ENTRIES, HISTORY_MS } from './defaults';

/** The entries within the history a service keeps: the last HISTORY_MS, at most HISTORY_ENTRIES. */
export function keepRecent<T extends { ts: number }>(entries: readonly T[], now: number): T[] {
  return entries.filter((e) => e.ts > now - HISTORY_MS).slice(-HISTORY_ENTRIES);
}
