import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { replayJob, type Figures, type ParallelReplay, type ReplayJob } from './tune';

/** What a replay thread is given once: the trace and the service's model. */
interface ReplayData {
  tuneReplay: true;
  trace: readonly number[];
  capacity: number;
  startupDelayMs: number;
}

/** Threads that replay `--tune`'s candidates, one batch split between them; close() ends them. */
export interface ReplayThreads {
  replay: ParallelReplay;
  close(): Promise<void>;
}

/**
 * Starts one replay thread a core (at most `limit`), or none where they cannot load this module:
 * threads load the TypeScript sources through tsx, as `npm run backtest` runs, so the bundled
 * CLI (dist/tide.cjs, no sources beside it) tunes in its own thread.
 */
export function startReplayThreads(trace: readonly number[], capacity: number, startupDelayMs: number, limit = availableParallelism()): ReplayThreads | undefined {
  const self = import.meta.url as string | undefined;
  if (self === undefined || !self.endsWith('.ts') || limit < 2) return undefined;
  const data: ReplayData = { tuneReplay: true, trace, capacity, startupDelayMs };
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(self)}); })`;
  const threads = Array.from({ length: limit }, () => new Worker(boot, { eval: true, workerData: data }));
  const ask = (thread: Worker, jobs: readonly ReplayJob[]): Promise<Figures[]> =>
    new Promise((resolve, reject) => {
      thread.once('error', reject);
      thread.once('message', (answers: Figures[]) => {
        thread.off('error', reject);
        resolve(answers);
      });
      thread.postMessage(jobs);
    });
  return {
    async replay(jobs) {
      // Every thread takes every n-th job, so the answers go back in the batch's order.
      const shares = threads.map((_, t) => jobs.filter((_, i) => i % threads.length === t));
      const answers = await Promise.all(threads.map((thread, t) => ask(thread, shares[t] as ReplayJob[])));
      return jobs.map((_, i) => answers[i % threads.length]?.[Math.floor(i / threads.length)] as Figures);
    },
    async close() {
      await Promise.all(threads.map((thread) => thread.terminate()));
    },
  };
}

if (!isMainThread && (workerData as Partial<ReplayData> | null)?.tuneReplay === true) {
  const { trace, capacity, startupDelayMs } = workerData as ReplayData;
  const replay = replayJob(trace, capacity, startupDelayMs);
  parentPort?.on('message', (jobs: ReplayJob[]) => {
    parentPort?.postMessage(jobs.map(replay));
  });
}
