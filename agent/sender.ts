import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { MAX_MINUTES, MAX_SAMPLE_AGE_MS } from '../lib/ingest/schema';
import type { Sample } from './collector';
import { reason, type Log } from './log';
import { MinuteBook, type WireMinute } from './minutes';
import type { Sleep } from './sleep';

export interface SenderOptions {
  tideUrl: string;
  agentKey: string;
  node: string;
  /** TIDE_INTERVAL: time between posts. */
  postIntervalMs: number;
  /** TIDE_SAMPLE_INTERVAL: time between cycles, each of which may post. */
  sampleIntervalMs: number;
  log: Log;
  now: () => number;
  sleep: Sleep;
  /** 0 ≤ x < 1, for the jitter; Math.random unless a test pins it. */
  random: () => number;
  newBatchId?: () => string;
}

export interface Sender {
  /** Folds one cycle's samples into the minutes they fall in. */
  enqueue(samples: Sample[]): void;
  /**
   * Posts the minutes Tide has not taken, when a post is due (TIDE_INTERVAL
   * since the last one, and for an interval of a minute or more, a closed
   * minute to send). When Tide cannot be reached (network error, timeout,
   * 429) or fails the post (408, 5xx), it is tried `ATTEMPTS_PER_FLUSH` times
   * with backoff, then the minutes wait for the next cycle, where they go out
   * again with whatever they gained. A post Tide refuses (any other 4xx) is
   * logged and its minutes dropped. `stopping`: one try, the open minute
   * included, no waits.
   */
  flush(options?: { signal?: AbortSignal; stopping?: boolean }): Promise<void>;
  readonly pendingSamples: number;
}

export const ATTEMPTS_PER_FLUSH = 4;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const REQUEST_TIMEOUT_MS = 15_000;
/** Tide refuses minutes that ended over 1 h ago; a minute's margin covers clock skew between the host and Tide. */
const SENDABLE_AGE_MS = MAX_SAMPLE_AGE_MS - 60_000;
/** A post's JSON stays well under SPEC.md's 1 MiB body: a node with very many services sends its minutes over several posts. */
const MAX_POST_CHARS = 800_000;
const MINUTE_MS = 60_000;

/**
 * `unreachable`: nothing gets through now (network error, timeout, 429).
 * `failed`: Tide took the request and failed it (408, 5xx).
 */
type Answer =
  | { kind: 'accepted' }
  | { kind: 'unreachable' | 'failed'; why: string; retryAfterMs?: number }
  | { kind: 'refused'; status: number; error: unknown };

/** One POST /v1/metrics: its minutes, as they stood when it was first tried. The batchId names it in Tide's logs and ours. */
interface Post {
  batchId: string;
  minutes: WireMinute[];
}

export function createSender(options: SenderOptions): Sender {
  const { log, now, sleep, random } = options;
  const endpoint = `${options.tideUrl.replace(/\/+$/, '')}/v1/metrics`;
  const book = new MinuteBook();
  const newBatchId = options.newBatchId ?? randomUUID;
  let lastPostAt = -Infinity;

  // Compressed until Tide says it could not read a compressed batch; then plain JSON, which every gateway passes intact.
  let compress = true;

  async function post(batch: Post): Promise<Answer> {
    const json = JSON.stringify({ node: options.node, batchId: batch.batchId, minutes: batch.minutes });
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

  /** Sends one post: true once Tide has taken it (or refused it for good), false when its minutes must wait for a later cycle. */
  async function deliver(batch: Post, attempts: number, signal?: AbortSignal): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const answer = await post(batch);
      if (answer.kind === 'accepted') return true;
      if (answer.kind === 'refused' && compress && unreadableCompressed(answer)) {
        // A gateway in front mangled the gzip, or an older Tide refuses the binary type: the same post, uncompressed.
        compress = false;
        log('warn', 'Tide could not read a compressed post; sending uncompressed JSON from now on', { status: answer.status, error: answer.error });
        attempt--;
        continue;
      }
      if (answer.kind === 'refused') {
        // Sending it again would be refused again: say why, so the operator can fix the agent or its key.
        log('error', 'Tide refused a post; dropped its minutes', {
          status: answer.status,
          error: answer.error,
          batchId: batch.batchId,
          minutes: batch.minutes.map((m) => m.start),
        });
        return true;
      }
      if (attempt >= attempts || signal?.aborted) {
        log('warn', answer.kind === 'unreachable' ? 'Tide unreachable; keeping the minutes for the next cycle' : 'Tide failed a post; keeping the minutes for the next cycle', {
          why: answer.why,
          batchId: batch.batchId,
          pendingSamples: book.pendingSamples,
        });
        return false;
      }
      await sleep(backoff(attempt, FIRST_BACKOFF_MS, MAX_BACKOFF_MS, answer.retryAfterMs), signal);
    }
  }

  /** With a post interval under a minute, the open minute goes out as it stands; otherwise only closed minutes, once TIDE_INTERVAL has passed. */
  function due(at: number): boolean {
    // Half a cycle's slack: cycles start on time give or take how long Docker takes to answer.
    if (at - lastPostAt < options.postIntervalMs - options.sampleIntervalMs / 2) return false;
    return options.postIntervalMs < MINUTE_MS ? book.pendingSamples > 0 : book.hasClosedPending(at);
  }

  return {
    enqueue(samples) {
      book.fold(samples);
    },
    async flush({ signal, stopping = false } = {}) {
      const at = now();
      const dropped = book.dropEndedBefore(at - SENDABLE_AGE_MS);
      if (dropped > 0) log('warn', 'dropped minutes older than Tide accepts', { samples: dropped });
      if (!stopping && !due(at)) return;
      for (const minutes of inPosts(book.pending(at, stopping || options.postIntervalMs < MINUTE_MS))) {
        if (signal?.aborted && !stopping) return;
        const batch = { batchId: newBatchId(), minutes };
        if (!(await deliver(batch, stopping ? 1 : ATTEMPTS_PER_FLUSH, signal))) return;
        book.confirm(minutes, now());
      }
      lastPostAt = at;
    },
    get pendingSamples() {
      return book.pendingSamples;
    },
  };
}

/** Minutes, oldest first, cut into posts of at most MAX_MINUTES minutes and MAX_POST_CHARS of JSON. */
function inPosts(minutes: readonly WireMinute[]): WireMinute[][] {
  const posts: WireMinute[][] = [];
  let chars = 0;
  for (const minute of minutes) {
    const size = JSON.stringify(minute).length;
    const last = posts.at(-1);
    if (last === undefined || last.length === MAX_MINUTES || chars + size > MAX_POST_CHARS) {
      posts.push([minute]);
      chars = size;
    } else {
      last.push(minute);
      chars += size;
    }
  }
  return posts;
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
