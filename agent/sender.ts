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
   * Sends the backlog oldest first. When Tide cannot be reached (network
   * error, timeout, 429), the batch is tried `ATTEMPTS_PER_FLUSH` times with
   * backoff, then the flush stops and keeps everything for the next one. A
   * batch Tide answers with 408 or 5xx through those tries is set aside on a
   * backoff of its own and the batches behind it go ahead, unless the next
   * one fails too (then Tide itself is failing, and the flush stops). A batch
   * Tide refuses (any other 4xx) is logged and dropped. `stopping`: one try
   * for every batch, set aside or not, and no waits.
   */
  flush(options?: { signal?: AbortSignal; stopping?: boolean }): Promise<void>;
  readonly pendingSamples: number;
}

export const ATTEMPTS_PER_FLUSH = 4;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A batch set aside waits a 30 s step, then 1 min, 2 min… at most 5 min (jittered as above): about a dozen rounds before it is too old to send. */
const FIRST_SET_ASIDE_MS = 30_000;
const MAX_SET_ASIDE_MS = 5 * 60_000;
/** Batches in a row that Tide fails before the flush takes it for Tide failing, not the batches. */
const FAILED_IN_A_ROW = 2;
const REQUEST_TIMEOUT_MS = 15_000;
/** Tide refuses samples older than 1 h; a minute's margin covers clock skew between the host and Tide. */
const SENDABLE_AGE_MS = MAX_SAMPLE_AGE_MS - 60_000;

/**
 * `unreachable`: nothing gets through now (network error, timeout, 429), whichever batch is sent.
 * `failed`: Tide took the request and failed it (408, 5xx), which may be this batch's doing.
 */
type Answer =
  | { kind: 'accepted' }
  | { kind: 'unreachable' | 'failed'; why: string; retryAfterMs?: number }
  | { kind: 'refused'; status: number; error: unknown };

/** What became of a batch in one flush. */
type Delivery = 'done' | 'unreachable' | 'failed';

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
      return { kind: 'unreachable', why: reason(error) };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) return { kind: 'accepted' };
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      return {
        // A 429 is about this agent's requests, not this batch: the next batch would get one too.
        kind: response.status === 429 ? 'unreachable' : 'failed',
        why: `${response.status} ${text.slice(0, 200)}`,
        ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      };
    }
    return { kind: 'refused', status: response.status, error: errorBody(text) };
  }

  /** Exponential backoff with equal jitter: half the step fixed, half random, so agents do not retry in step. */
  function backoff(attempt: number, firstMs: number, maxMs: number, retryAfterMs?: number): number {
    const step = Math.min(maxMs, firstMs * 2 ** (attempt - 1));
    const delay = step / 2 + (random() * step) / 2;
    return Math.min(maxMs, Math.max(delay, retryAfterMs ?? 0));
  }

  async function deliver(batch: Batch, attempts: number, signal?: AbortSignal): Promise<Delivery> {
    for (let attempt = 1; ; attempt++) {
      const answer = await post(batch);
      if (answer.kind === 'accepted') return 'done';
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
        return 'done';
      }
      if (attempt >= attempts || signal?.aborted) {
        if (answer.kind === 'unreachable') {
          log('warn', 'Tide unreachable; keeping the batch for the next cycle', {
            why: answer.why,
            batchId: batch.batchId,
            pendingSamples: backlog.pendingSamples,
          });
        } else {
          const waitMs = backlog.defer(batch, now(), (failures) => backoff(failures, FIRST_SET_ASIDE_MS, MAX_SET_ASIDE_MS));
          log('warn', 'Tide failed a batch; setting it aside, the batches behind it go first', {
            why: answer.why,
            batchId: batch.batchId,
            retryInSeconds: Math.round(waitMs / 1000),
          });
        }
        return answer.kind;
      }
      await sleep(backoff(attempt, FIRST_BACKOFF_MS, MAX_BACKOFF_MS, answer.retryAfterMs), signal);
    }
  }

  return {
    enqueue(samples) {
      backlog.add(toBatches(samples, options.newBatchId));
    },
    async flush({ signal, stopping = false } = {}) {
      let failedInARow = 0;
      for (const batch of stopping ? backlog.all() : backlog.due(now())) {
        if (signal?.aborted) return;
        // A batch holds one cycle's samples, all with the same ts.
        const age = now() - Date.parse(batch.samples[0]?.ts ?? '');
        if (!(age <= SENDABLE_AGE_MS)) {
          const dropped = backlog.remove(batch);
          log('warn', 'dropped a batch older than Tide accepts', { batchId: batch.batchId, samples: dropped });
          continue;
        }
        const delivery = await deliver(batch, stopping ? 1 : ATTEMPTS_PER_FLUSH, signal);
        if (delivery === 'done') {
          backlog.remove(batch);
          failedInARow = 0;
          continue;
        }
        if (delivery === 'unreachable') return;
        if (++failedInARow >= FAILED_IN_A_ROW) {
          log('warn', 'Tide is failing every batch; keeping the backlog for the next cycle', { pendingSamples: backlog.pendingSamples });
          return;
        }
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
