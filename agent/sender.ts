import { gzipSync } from 'node:zlib';
import { MAX_SAMPLE_AGE_MS } from '../lib/ingest/schema';
import { Backlog, toBatches, type Batch } from './backlog';
import type { Sample } from './collector';
import { reason, type Log } from './log';
import type { Sleep } from './sleep';

export interface SenderOptions {
  tideUrl: string;
  agentKey: string;
  node: string;
  backlogSamples: number;
  log: Log;
  now: () => number;
  sleep: Sleep;
  /** 0 ≤ x < 1, for the jitter; Math.random unless a test pins it. */
  random: () => number;
  newBatchId?: () => string;
}

export interface Sender {
  /** Cuts samples into batches at the back of the backlog. */
  enqueue(samples: Sample[]): void;
  /**
   * Sends the backlog oldest first. A batch that Tide cannot take now (network
   * error, 408, 429, 5xx) is tried `attempts` times with backoff, then kept for
   * the next flush; one Tide refuses (any other 4xx) is logged and dropped.
   */
  flush(options?: { attempts?: number; signal?: AbortSignal }): Promise<void>;
  readonly pendingSamples: number;
}

export const ATTEMPTS_PER_FLUSH = 4;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Tide refuses samples older than 1 h; a minute's margin covers clock skew between the host and Tide. */
const SENDABLE_AGE_MS = MAX_SAMPLE_AGE_MS - 60_000;

type Answer = { kind: 'accepted' } | { kind: 'retry'; why: string; retryAfterMs?: number } | { kind: 'refused'; status: number; error: unknown };

export function createSender(options: SenderOptions): Sender {
  const { log, now, sleep, random } = options;
  const endpoint = `${options.tideUrl.replace(/\/+$/, '')}/v1/metrics`;
  const backlog = new Backlog(options.backlogSamples, log);

  // Compressed until Tide says it could not read a compressed batch; then plain JSON, which every gateway passes intact.
  let compress = true;

  async function post(batch: Batch): Promise<Answer> {
    const json = JSON.stringify({ node: options.node, batchId: batch.batchId, samples: batch.samples });
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.agentKey}`,
          // A binary type: API Gateway's HTTP APIs pass a body labelled application/json as text, which breaks gzip.
          ...(compress ? { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' } : { 'content-type': 'application/json' }),
        },
        body: compress ? gzipSync(json) : json,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      return { kind: 'retry', why: reason(error) };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return { kind: 'accepted' };
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      return { kind: 'retry', why: `${response.status} ${text.slice(0, 200)}`, ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}) };
    }
    return { kind: 'refused', status: response.status, error: errorBody(text) };
  }

  /** Exponential backoff with equal jitter: half the step fixed, half random, so agents do not retry in step. */
  function backoff(attempt: number, retryAfterMs?: number): number {
    const step = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
    const delay = step / 2 + (random() * step) / 2;
    return Math.min(MAX_BACKOFF_MS, Math.max(delay, retryAfterMs ?? 0));
  }

  /** True when the batch left the backlog's hands (accepted or refused); false to keep it. */
  async function deliver(batch: Batch, attempts: number, signal?: AbortSignal): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const answer = await post(batch);
      if (answer.kind === 'accepted') return true;
      if (answer.kind === 'refused' && compress && unreadableCompressed(answer)) {
        // A gateway in front mangled the gzip, or an older Tide refuses the binary type: the same batch, uncompressed.
        compress = false;
        log('warn', 'Tide could not read a compressed batch; sending uncompressed JSON from now on', { status: answer.status, error: answer.error });
        attempt--;
        continue;
      }
      if (answer.kind === 'refused') {
        // Sending it again would be refused again: say why, so the operator can fix the agent or its key.
        log('error', 'Tide refused a batch; dropped it', {
          status: answer.status,
          error: answer.error,
          batchId: batch.batchId,
          samples: batch.samples.length,
        });
        return true;
      }
      if (attempt >= attempts || signal?.aborted) {
        log('warn', 'Tide unreachable; keeping the batch for the next cycle', {
          why: answer.why,
          batchId: batch.batchId,
          pendingSamples: backlog.pendingSamples,
        });
        return false;
      }
      await sleep(backoff(attempt, answer.retryAfterMs), signal);
    }
  }

  return {
    enqueue(samples) {
      backlog.add(toBatches(samples, options.newBatchId));
    },
    async flush({ attempts = ATTEMPTS_PER_FLUSH, signal } = {}) {
      for (let batch = backlog.oldest(); batch; batch = backlog.oldest()) {
        // A batch holds one cycle's samples, all with the same ts.
        const age = now() - Date.parse(batch.samples[0]?.ts ?? '');
        if (!(age <= SENDABLE_AGE_MS)) {
          const dropped = backlog.remove(batch);
          log('warn', 'dropped a batch older than Tide accepts', { batchId: batch.batchId, samples: dropped });
          continue;
        }
        if (!(await deliver(batch, attempts, signal))) return;
        backlog.remove(batch);
      }
    },
    get pendingSamples() {
      return backlog.pendingSamples;
    },
  };
}

/** 415 (the media type) or a 400 about the gzip data: what Tide answers when the compressed form did not reach it intact. */
function unreadableCompressed(answer: { status: number; error: unknown }): boolean {
  return answer.status === 415 || (answer.status === 400 && /gzip/i.test(JSON.stringify(answer.error)));
}

/** SPEC.md's `{"error": {code, message, details}}`, or the raw text when a proxy answered instead. */
function errorBody(text: string): unknown {
  try {
    return (JSON.parse(text) as { error?: unknown }).error ?? text;
  } catch {
    return text.slice(0, 500);
  }
}
