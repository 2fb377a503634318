import { BUILT_IN_METRICS } from '../lib/names';
import type { Sample } from './collector';

const MINUTE_MS = 60_000;

export interface Aggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** One minute of one node as `POST /v1/metrics` takes it (docs/AGENT.md, "What it sends"). */
export interface WireMinute {
  start: string;
  seq: number;
  services: Record<string, { containers: number; metrics: Record<string, Aggregate> }>;
}

interface Minute {
  start: number;
  /** Grows with every cycle folded in: Tide keeps the post with the highest. */
  seq: number;
  /** The seq Tide has taken; the minute is pending while seq is above it. */
  confirmed: number;
  samples: number;
  services: Map<string, { containers: Set<string>; metrics: Map<string, Aggregate> }>;
}

/**
 * Percentages to 2 decimals (as `docker stats` prints them), bytes and byte
 * rates to whole bytes: finer digits say nothing about a container's load,
 * and fewer digits keep a node's minute within one DynamoDB write unit.
 */
function rounded(metric: string, value: number): number {
  return metric === 'cpu_ratio' || metric === 'mem_ratio' ? Math.round(value * 100) / 100 : Math.round(value);
}

/**
 * The node's samples folded into per-(minute, service) aggregates: count,
 * sum, min and max of each metric, and the containers seen. A minute is
 * posted whole each time (cumulative, with a higher seq), so a post that is
 * lost or retried changes nothing but what the next one carries.
 */
export class MinuteBook {
  private readonly minutes = new Map<number, Minute>();

  fold(samples: readonly Sample[]): void {
    const touched = new Set<Minute>();
    for (const sample of samples) {
      const start = Math.floor(Date.parse(sample.ts) / MINUTE_MS) * MINUTE_MS;
      let minute = this.minutes.get(start);
      if (minute === undefined) {
        minute = { start, seq: 0, confirmed: 0, samples: 0, services: new Map() };
        this.minutes.set(start, minute);
      }
      touched.add(minute);
      minute.samples += 1;
      let service = minute.services.get(sample.service);
      if (service === undefined) {
        service = { containers: new Set(), metrics: new Map() };
        minute.services.set(sample.service, service);
      }
      service.containers.add(sample.container);
      for (const metric of BUILT_IN_METRICS) {
        const value = sample[metric];
        if (value === undefined) continue;
        const v = rounded(metric, value);
        const a = service.metrics.get(metric);
        if (a === undefined) service.metrics.set(metric, { count: 1, sum: v, min: v, max: v });
        else {
          a.count += 1;
          a.sum += v;
          a.min = Math.min(a.min, v);
          a.max = Math.max(a.max, v);
        }
      }
    }
    for (const minute of touched) minute.seq += 1;
  }

  /**
   * The minutes Tide has not taken as they stand, oldest first: the closed
   * ones (ended by `now`), and with `open` the minute still filling.
   */
  pending(now: number, open: boolean): WireMinute[] {
    return [...this.minutes.values()]
      .filter((m) => m.seq > m.confirmed && (open || m.start + MINUTE_MS <= now))
      .sort((a, b) => a.start - b.start)
      .map((m) => ({
        start: new Date(m.start).toISOString(),
        seq: m.seq,
        services: Object.fromEntries(
          [...m.services].map(([name, s]) => [name, { containers: s.containers.size, metrics: Object.fromEntries([...s.metrics].map(([metric, a]) => [metric, { ...a }])) }]),
        ),
      }));
  }

  /** True when a closed minute waits to be sent. */
  hasClosedPending(now: number): boolean {
    return [...this.minutes.values()].some((m) => m.seq > m.confirmed && m.start + MINUTE_MS <= now);
  }

  /** Tide took these minutes at these seqs (or refused them for good): closed ones it holds are forgotten. */
  confirm(sent: readonly WireMinute[], now: number): void {
    for (const wire of sent) {
      const minute = this.minutes.get(Date.parse(wire.start));
      if (minute !== undefined) minute.confirmed = Math.max(minute.confirmed, wire.seq);
    }
    for (const [start, minute] of this.minutes) if (minute.confirmed >= minute.seq && start + MINUTE_MS <= now) this.minutes.delete(start);
  }

  /** Forgets minutes that ended before `before` (Tide would refuse them); answers how many samples they held. */
  dropEndedBefore(before: number): number {
    let dropped = 0;
    for (const [start, minute] of this.minutes) {
      if (start + MINUTE_MS > before) continue;
      if (minute.seq > minute.confirmed) dropped += minute.samples;
      this.minutes.delete(start);
    }
    return dropped;
  }

  /** Samples in minutes Tide has not taken whole yet. */
  get pendingSamples(): number {
    return [...this.minutes.values()].reduce((n, m) => n + (m.seq > m.confirmed ? m.samples : 0), 0);
  }
}
