import type { Collector } from './collector';
import { reason, type Log } from './log';
import type { Sender } from './sender';
import type { Sleep } from './sleep';

export interface AgentParts {
  collector: Collector;
  sender: Sender;
  log: Log;
}

/** One cycle: read every container, fold the readings into their minutes, then post what Tide has not taken if a post is due. */
export async function runCycle({ collector, sender, log }: AgentParts, signal?: AbortSignal): Promise<void> {
  try {
    sender.enqueue(await collector.collect());
  } catch (error) {
    // Docker being down for a cycle must not stop the backlog from draining.
    log('error', 'could not list containers from Docker', { error: reason(error) });
  }
  await sender.flush(signal ? { signal } : {});
}

/**
 * Runs a cycle every `intervalMs` (TIDE_SAMPLE_INTERVAL, measured from each
 * cycle's start) until `signal` aborts, then posts every minute Tide has not
 * taken, the open one included, once and without backoff: an orchestrator
 * gives a stopping container only a few seconds.
 */
export async function runAgent(parts: AgentParts & { intervalMs: number; now: () => number; sleep: Sleep; signal: AbortSignal }): Promise<void> {
  const { sender, log, intervalMs, now, sleep, signal } = parts;
  while (!signal.aborted) {
    const started = now();
    await runCycle(parts, signal);
    await sleep(Math.max(0, started + intervalMs - now()), signal);
  }
  await sender.flush({ stopping: true });
  log('info', 'stopped', { unsentSamples: sender.pendingSamples });
}
