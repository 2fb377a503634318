import { randomUUID } from 'node:crypto';
import { MAX_SAMPLES } from '../lib/ingest/schema';
import type { Sample } from './collector';
import type { Log } from './log';

/** One POST /v1/metrics. The batchId stays with the batch through every retry, so Tide counts it once. */
export interface Batch {
  batchId: string;
  samples: Sample[];
}

/** Cuts one cycle's samples into batches of at most SPEC.md's 1000 samples (well under its 1 MiB body limit). */
export function toBatches(samples: Sample[], newId: () => string = randomUUID): Batch[] {
  const batches: Batch[] = [];
  for (let i = 0; i < samples.length; i += MAX_SAMPLES) {
    batches.push({ batchId: newId(), samples: samples.slice(i, i + MAX_SAMPLES) });
  }
  return batches;
}

/**
 * Batches Tide has not taken yet, oldest first, held in memory while Tide is
 * unreachable. Past `maxSamples` the oldest go first: the newest data is what
 * the next scaling decision reads.
 */
export class Backlog {
  private readonly batches: Batch[] = [];
  private samples = 0;

  constructor(
    private readonly maxSamples: number,
    private readonly log: Log,
  ) {}

  add(batches: Batch[]): void {
    for (const batch of batches) {
      this.batches.push(batch);
      this.samples += batch.samples.length;
    }
    let dropped = 0;
    while (this.samples > this.maxSamples) dropped += this.remove(this.batches[0] as Batch);
    if (dropped > 0) {
      this.log('warn', 'backlog full: dropped the oldest samples', { dropped, kept: this.samples, maxSamples: this.maxSamples });
    }
  }

  oldest(): Batch | undefined {
    return this.batches[0];
  }

  /** Takes a batch out (sent, refused or dropped); answers how many samples left with it. */
  remove(batch: Batch): number {
    const index = this.batches.indexOf(batch);
    if (index < 0) return 0;
    this.batches.splice(index, 1);
    this.samples -= batch.samples.length;
    return batch.samples.length;
  }

  get pendingSamples(): number {
    return this.samples;
  }
}
