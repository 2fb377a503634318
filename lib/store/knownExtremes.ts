import type { BucketGroup } from '../ingest/aggregate';
import { extremeAttribute, type ItemKey } from './keys';

interface Extremes {
  min: Map<string, number>;
  max: Map<string, number>;
}

/**
 * What this process last saw of each bucket item's min and max. A stored min
 * only ever falls and a max only rises, so a value seen earlier still bounds
 * them: a batch whose min is not below it cannot lower the min and needs no
 * guarded write. Bounded, oldest entries first out.
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

  /** Records the item's attributes as DynamoDB returned them. */
  learn(key: ItemKey, item: Record<string, unknown>): void {
    const entry = this.entry(key);
    for (const [name, value] of Object.entries(item)) {
      const extreme = extremeAttribute(name);
      if (extreme && typeof value === 'number') entry[extreme.kind].set(extreme.metric, value);
    }
  }

  /** After a successful write the stored extremes are at least as good as the batch's. */
  applied(key: ItemKey, group: BucketGroup): void {
    const entry = this.entry(key);
    for (const [metric, agg] of group.metrics) {
      const min = entry.min.get(metric);
      const max = entry.max.get(metric);
      entry.min.set(metric, min === undefined ? agg.min : Math.min(min, agg.min));
      entry.max.set(metric, max === undefined ? agg.max : Math.max(max, agg.max));
    }
  }

  private entry(key: ItemKey): Extremes {
    const k = id(key);
    let entry = this.items.get(k);
    if (entry === undefined) {
      if (this.items.size >= this.capacity) {
        const oldest = this.items.keys().next().value;
        if (oldest !== undefined) this.items.delete(oldest);
      }
      entry = { min: new Map(), max: new Map() };
      this.items.set(k, entry);
    }
    return entry;
  }
}

function id(key: ItemKey): string {
  return `${key.pk}\u0000${key.sk}`;
}
