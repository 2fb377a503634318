import type { Aggregate } from '../statistics';
import { extremeAttribute, metricCountAttribute, type ItemKey } from './keys';

interface Extremes {
  min: Map<string, number>;
  max: Map<string, number>;
  /** How many metric names the item held when last seen: a floor, as names are only ever added. */
  metrics: number;
}

/**
 * What this process last saw of each bucket item's min and max. A stored min
 * only ever falls and a max only rises, so a value seen earlier still bounds
 * them: a batch whose min is not below it cannot lower the min and needs no
 * guarded write. A metric whose extremes are known is one the item holds.
 * Bounded, oldest entries first out.
 */
export class KnownExtremes {
  private readonly items = new Map<string, Extremes>();

  constructor(private readonly capacity: number) {}

  mayLower(key: ItemKey, metric: string, value: number): boolean {
    const known = this.items.get(id(key))?.min.get(metric);
    return known === undefined || value < known;
  }

  mayRaise(key: ItemKey, metric: string, value: number): boolean {
    const known = this.items.get(id(key))?.max.get(metric);
    return known === undefined || value > known;
  }

  /** True when the item is known to hold this metric already. */
  holds(key: ItemKey, metric: string): boolean {
    return this.items.get(id(key))?.min.has(metric) === true;
  }

  /** At least how many metric names the item holds. */
  metricCount(key: ItemKey): number {
    return this.items.get(id(key))?.metrics ?? 0;
  }

  /** Replaces what is known of the item with the whole item as DynamoDB returned it (nothing: the item does not exist). */
  learn(key: ItemKey, item: Record<string, unknown> | undefined): void {
    const entry: Extremes = { min: new Map(), max: new Map(), metrics: 0 };
    for (const [name, value] of Object.entries(item ?? {})) {
      const extreme = extremeAttribute(name);
      if (extreme && typeof value === 'number') entry[extreme.kind].set(extreme.metric, value);
    }
    // Items written before the count existed have none: their min attributes say how many names they hold.
    const counted = item?.[metricCountAttribute];
    entry.metrics = Math.max(typeof counted === 'number' ? counted : 0, entry.min.size);
    this.store(key, entry);
  }

  /** After a successful write the stored extremes are at least as good as the batch's, and its names are held. */
  applied(key: ItemKey, metrics: ReadonlyMap<string, Aggregate>): void {
    const entry = this.items.get(id(key)) ?? { min: new Map(), max: new Map(), metrics: 0 };
    for (const [metric, agg] of metrics) {
      const min = entry.min.get(metric);
      const max = entry.max.get(metric);
      entry.min.set(metric, min === undefined ? agg.min : Math.min(min, agg.min));
      entry.max.set(metric, max === undefined ? agg.max : Math.max(max, agg.max));
    }
    entry.metrics = Math.max(entry.metrics, entry.min.size);
    this.store(key, entry);
  }

  private store(key: ItemKey, entry: Extremes): void {
    const k = id(key);
    this.items.delete(k);
    if (this.items.size >= this.capacity) {
      const oldest = this.items.keys().next().value;
      if (oldest !== undefined) this.items.delete(oldest);
    }
    this.items.set(k, entry);
  }
}

function id(key: ItemKey): string {
  return `${key.pk}\u0000${key.sk}`;
}
