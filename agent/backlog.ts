import { randomUUID } from 'node:crypto';
import { MAX_SAMPLES } from '../lib/ingest/schema';
import type { Sample } from './collector';
import type { Log } from './log';

/** One POST /v1/metrics. The batchId stays with the batch through every retry, so Tide counts it once. */
export interface Batch {
  batchId: string;
  samples: Sample[];
}

/**
 * Cuts one cycle's samples into batches of at most SPEC.md's 1000 samples
 * (well under its 1 MiB body limit) and Tide's 99 services: a cycle's samples
 * share one time, so each service is one (service, bucket) pair.
 */
export function toBatches(samples: Sample[], newId: () => string = randomUUID): Batch[] {
  const batches: Batch[] = [];
  let services = new Set<string>();
  for (const sample of samples) {
    const current = batches.at(-1);
    if (current === undefined || current.samples.length === MAX_SAMPLES) {
      batches.push({ batchId: newId(), samples: [sample] });
      services = new Set([sample.service]);
    } else {
      current.samples.push(sample);
      services.add(sample.service);
    }
  }
  return batches;
}

/** A batch waiting in the backlog, and how its own retries have gone. */
interface Entry {
  batch: Batch;
  /** Times Tide failed this batch (5xx) through a whole round of tries. */
  failures: number;
  /** Epoch ms before which the batch is not tried again. */
  retryAt: number;
}

/**
 * Batches Tide has not taken yet, oldest first, held in memory. Past
 * `maxSamples` the oldest go first: the newest data is what the next scaling
 * decision reads. A batch Tide keeps failing waits on its own backoff while
 * the batches behind it go ahead: Tide's aggregates do not depend on the
 * order batches arrive in, only on each batch (its batchId) counting once.
 */
export class Backlog {
  private readonly entries: Entry[] = [];
  private samples = 0;

  constructor(
    private readonly maxSamples: number,
    private readonly log: Log,
  ) {}

  add(batches: Batch[]): void {
    for (const batch of batches) {
      this.entries.push({ batch, failures: 0, retryAt: 0 });
      this.samples += batch.samples.length;
    }
    let dropped = 0;
    while (this.samples > this.maxSamples) dropped += this.remove((this.entries[0] as Entry).batch);
    if (dropped > 0) {
      this.log('warn', 'backlog full: dropped the oldest samples', { dropped, kept: this.samples, maxSamples: this.maxSamples });
    }
  }

  /** The batches to try at `now`, oldest first: all but those waiting on their own backoff. */
  due(now: number): Batch[] {
    return this.entries.filter((e) => e.retryAt <= now).map((e) => e.batch);
  }

  /** Every batch, oldest first, backing off or not. */
  all(): Batch[] {
    return this.entries.map((e) => e.batch);
  }

  /**
   * Sets a batch aside after Tide failed it: it is not due again until
   * `wait(failures)` ms after `now`, where failures counts this one. Answers that wait.
   */
  defer(batch: Batch, now: number, wait: (failures: number) => number): number {
    const entry = this.entries.find((e) => e.batch === batch);
    if (!entry) return 0;
    entry.failures += 1;
    const ms = wait(entry.failures);
    entry.retryAt = now + ms;
    return ms;
  }

  /** Takes a batch out (sent, refused or dropped); answers how many samples left with it. */
  remove(batch: Batch): number {
    const index = this.entries.findIndex((e) => e.batch === batch);
    if (index < 0) return 0;
    this.entries.splice(index, 1);
    this.samples -= batch.samples.length;
    return batch.samples.length;
  }

  get pendingSamples(): number {
    return this.samples;
  }
}
