import { afterEach, describe, expect, it } from 'vitest';
import type { Sample } from '../../agent/collector';
import { ATTEMPTS_PER_FLUSH, createSender } from '../../agent/sender';
import { recordingLog } from './logs';
import { startFakeTide, type Received, type Reply } from './fakeTide';

const NOW = Date.parse('2026-11-22T10:00:10Z');
const sample = (overrides: Partial<Sample> = {}): Sample => ({ ts: '2026-11-22T10:00:05.000Z', service: 'myweb', container: '1e7563c03ae9', cpu_ratio: 37.5, ...overrides });
const accepted: Reply = { status: 202, body: { accepted: 1, duplicate: false } };

let tide: Awaited<ReturnType<typeof startFakeTide>> | undefined;
afterEach(async () => {
  await tide?.close();
  tide = undefined;
});

/** A sender whose waits return at once and are written down, so no test waits on a clock. */
function senderFor(url: string, options: { backlogSamples?: number; now?: () => number } = {}) {
  const { log, lines } = recordingLog();
  const waits: number[] = [];
  const sender = createSender({
    tideUrl: `${url}/`,
    agentKey: 'tide_ak_secret',
    node: 'worker1',
    backlogSamples: options.backlogSamples ?? 50_000,
    log,
    now: options.now ?? (() => NOW),
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
  });
  return { sender, lines, waits };
}

describe('what the sender posts', () => {
  it('gzips JSON with the agent key, the node and a batchId, labelled as bytes so a gateway passes it intact', async () => {
    tide = await startFakeTide(() => accepted);
    const { sender } = senderFor(tide.url);
    sender.enqueue([sample(), sample({ container: '44fc2346b432', cpu_ratio: 12.5 })]);
    await sender.flush();
    expect(tide.received).toHaveLength(1);
    const [request] = tide.received;
    expect(request?.headers).toMatchObject({ authorization: 'Bearer tide_ak_secret', 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
    expect(request?.batch).toEqual({
      node: 'worker1',
      batchId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      samples: [sample(), sample({ container: '44fc2346b432', cpu_ratio: 12.5 })],
    });
    expect(sender.pendingSamples).toBe(0);
  });

  it.each([
    ['a gateway mangled the gzip', { status: 400, body: { error: { code: 'validation_failed', message: '1 problem in request body', details: [{ path: '', message: 'must be valid gzip data' }] } } }],
    ['an older Tide refuses the binary type', { status: 415, body: { error: { code: 'unsupported_media_type', message: 'Content-Type must be application/json' } } }],
  ] as const)('sends the same batch as plain JSON when %s, and keeps doing so', async (_case, refusal) => {
    tide = await startFakeTide((n) => (n === 0 ? refusal : accepted));
    const { sender, lines } = senderFor(tide.url);
    sender.enqueue([sample()]);
    await sender.flush();
    sender.enqueue([sample({ cpu_ratio: 12.5 })]);
    await sender.flush();
    expect(tide.received.map((r) => [r.headers['content-type'], r.headers['content-encoding']])).toEqual([
      ['application/octet-stream', 'gzip'],
      ['application/json', undefined],
      ['application/json', undefined],
    ]);
    expect(tide.received[1]?.batch).toEqual(tide.received[0]?.batch);
    expect(sender.pendingSamples).toBe(0);
    expect(lines.filter((l) => l.message.includes('sending uncompressed JSON'))).toHaveLength(1);
  });

  it('sends 2500 samples as three posts of at most 1000', async () => {
    tide = await startFakeTide(() => accepted);
    const { sender } = senderFor(tide.url);
    sender.enqueue(Array.from({ length: 2500 }, (_, i) => sample({ container: `c${i}` })));
    await sender.flush();
    expect(tide.received.map((r) => r.batch.samples.length)).toEqual([1000, 1000, 500]);
  });
});

describe('retries', () => {
  it.each([408, 429, 500, 503])('retries a %i with the same batchId and backoff, then stops', async (status) => {
    tide = await startFakeTide((n) => (n < 2 ? { status, body: { error: { code: 'x', message: 'try later' } } } : accepted));
    const { sender, waits } = senderFor(tide.url);
    sender.enqueue([sample()]);
    await sender.flush();
    expect(tide.received).toHaveLength(3);
    expect(new Set(tide.received.map((r) => r.batch.batchId)).size).toBe(1);
    // 500 ms then 1 s steps, half fixed and half jitter (random pinned at 0.5)
    expect(waits).toEqual([375, 750]);
    expect(sender.pendingSamples).toBe(0);
  });

  it('waits as long as Retry-After says on a 429', async () => {
    tide = await startFakeTide((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'rate_limited' } } } : accepted));
    const { sender, waits } = senderFor(tide.url);
    sender.enqueue([sample()]);
    await sender.flush();
    expect(waits).toEqual([7000]);
    expect(tide.received).toHaveLength(2);
  });

  it('keeps a batch Tide could not take, and sends it with the same batchId on the next flush', async () => {
    let down = true;
    tide = await startFakeTide(() => (down ? 'hang up' : accepted));
    const { sender, lines, waits } = senderFor(tide.url);
    sender.enqueue([sample()]);
    await sender.flush();
    expect(tide.received).toHaveLength(ATTEMPTS_PER_FLUSH);
    expect(waits).toHaveLength(ATTEMPTS_PER_FLUSH - 1);
    expect(sender.pendingSamples).toBe(1);
    expect(lines.at(-1)).toMatchObject({ level: 'warn', message: 'Tide unreachable; keeping the batch for the next cycle' });

    down = false;
    sender.enqueue([sample({ container: 'next' })]);
    await sender.flush();
    const batchIds = tide.received.map((r) => r.batch.batchId);
    expect(new Set(batchIds.slice(0, ATTEMPTS_PER_FLUSH + 1)).size).toBe(1);
    expect(tide.received.at(-1)?.batch.samples).toEqual([sample({ container: 'next' })]);
    expect(sender.pendingSamples).toBe(0);
  });

  it('sends nothing once the agent is stopping, and keeps the backlog for its last try', async () => {
    tide = await startFakeTide(() => ({ status: 503 }));
    const { sender } = senderFor(tide.url);
    sender.enqueue([sample()]);
    const stopping = new AbortController();
    stopping.abort();
    await sender.flush({ signal: stopping.signal });
    expect(tide.received).toHaveLength(0);
    expect(sender.pendingSamples).toBe(1);
  });

  it('a 429 holds the whole backlog: the batches behind would be told the same', async () => {
    tide = await startFakeTide(() => ({ status: 429, body: { error: { code: 'rate_limited' } } }));
    const { sender } = senderFor(tide.url);
    sender.enqueue([sample({ container: 'first' })]);
    sender.enqueue([sample({ container: 'second' })]);
    await sender.flush();
    expect(tide.received.map((r) => r.batch.samples[0]?.container)).toEqual(Array(ATTEMPTS_PER_FLUSH).fill('first'));
    expect(sender.pendingSamples).toBe(2);
  });
});

describe('a batch Tide keeps failing', () => {
  const failing = (container: string): ((n: number, r: Received) => Reply) => (_n, r) =>
    r.batch.samples[0]?.container === container ? { status: 500, body: { error: { code: 'internal', message: 'internal error' } } } : accepted;
  const sentContainers = () => tide!.received.map((r) => r.batch.samples[0]?.container);

  it('is set aside on its own backoff while the batches behind it are sent', async () => {
    let now = NOW;
    let poisoned = true;
    tide = await startFakeTide((n, r) => (poisoned ? failing('bad')(n, r) : accepted));
    const { sender, lines, waits } = senderFor(tide.url, { now: () => now });
    sender.enqueue([sample({ container: 'bad' })]);
    sender.enqueue([sample({ container: 'next' })]);
    sender.enqueue([sample({ container: 'last' })]);

    await sender.flush();
    expect(sentContainers()).toEqual([...Array(ATTEMPTS_PER_FLUSH).fill('bad'), 'next', 'last']);
    expect(waits).toEqual([375, 750, 1500]);
    expect(sender.pendingSamples).toBe(1);
    // A 30 s step, half of it random (pinned at 0.5): 22.5 s.
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'Tide failed a batch; setting it aside, the batches behind it go first',
      fields: { why: expect.stringMatching(/^500 /), batchId: tide.received[0]?.batch.batchId, retryInSeconds: 23 },
    });

    // The next cycles: new batches go at once; the one set aside waits out its own backoff.
    now += 10_000;
    sender.enqueue([sample({ container: 'newer' })]);
    await sender.flush();
    expect(sentContainers().slice(ATTEMPTS_PER_FLUSH + 2)).toEqual(['newer']);
    now += 12_500;
    await sender.flush();
    expect(sentContainers().slice(ATTEMPTS_PER_FLUSH + 3)).toEqual(Array(ATTEMPTS_PER_FLUSH).fill('bad'));
    // Failed again: a longer wait (a 60 s step), then it goes through with the batchId it always had.
    now += 30_000;
    await sender.flush();
    expect(tide.received).toHaveLength(2 * ATTEMPTS_PER_FLUSH + 3);
    poisoned = false;
    now += 15_000;
    await sender.flush();
    expect(sentContainers().at(-1)).toBe('bad');
    expect(new Set(tide.received.filter((r) => r.batch.samples[0]?.container === 'bad').map((r) => r.batch.batchId)).size).toBe(1);
    expect(sender.pendingSamples).toBe(0);
  });

  it('stops the flush when the next batch fails too: Tide itself is failing, and the rest wait for the next cycle', async () => {
    tide = await startFakeTide(() => ({ status: 503 }));
    const { sender, lines } = senderFor(tide.url);
    for (const container of ['a', 'b', 'c']) sender.enqueue([sample({ container })]);
    await sender.flush();
    expect(sentContainers()).toEqual([...Array(ATTEMPTS_PER_FLUSH).fill('a'), ...Array(ATTEMPTS_PER_FLUSH).fill('b')]);
    expect(sender.pendingSamples).toBe(3);
    expect(lines.at(-1)).toEqual({ level: 'warn', message: 'Tide is failing every batch; keeping the backlog for the next cycle', fields: { pendingSamples: 3 } });
  });

  it('gets one more try, with every other batch, when the agent stops', async () => {
    tide = await startFakeTide(failing('bad'));
    const { sender } = senderFor(tide.url);
    sender.enqueue([sample({ container: 'bad' })]);
    await sender.flush();
    sender.enqueue([sample({ container: 'next' })]);
    await sender.flush({ stopping: true });
    expect(sentContainers().slice(ATTEMPTS_PER_FLUSH)).toEqual(['bad', 'next']);
    expect(sender.pendingSamples).toBe(1);
  });
});

describe('refusals', () => {
  const validation = {
    error: { code: 'validation_failed', message: '1 problem in request body', details: [{ path: 'samples[0].ts', message: 'must be no older than 1h' }] },
  };

  it.each([
    { status: 400, body: validation },
    { status: 401, body: { error: { code: 'unauthorized', message: 'missing or unknown credential' } } },
    { status: 403, body: { error: { code: 'forbidden', message: 'not this namespace' } } },
    { status: 413, body: { error: { code: 'payload_too_large', message: 'body must be at most 1048576 bytes' } } },
  ])('does not retry a $status; logs what Tide said and drops the batch', async ({ status, body }) => {
    tide = await startFakeTide((n) => (n === 0 ? { status, body } : accepted));
    const { sender, lines, waits } = senderFor(tide.url);
    sender.enqueue([sample()]);
    await sender.flush();
    expect(tide.received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(sender.pendingSamples).toBe(0);
    expect(lines).toContainEqual({
      level: 'error',
      message: 'Tide refused a batch; dropped it',
      fields: { status, error: body.error, batchId: tide.received[0]?.batch.batchId, samples: 1 },
    });
  });

  it('never logs the agent key', async () => {
    tide = await startFakeTide(() => ({ status: 401, body: { error: { code: 'unauthorized' } } }));
    const { sender, lines } = senderFor(tide.url);
    sender.enqueue([sample()]);
    await sender.flush();
    expect(JSON.stringify(lines)).not.toContain('tide_ak_secret');
  });
});

describe('old batches', () => {
  it('drops a kept batch once it is older than Tide accepts, without sending it', async () => {
    tide = await startFakeTide(() => accepted);
    let now = NOW;
    const { sender, lines } = senderFor(tide.url, { now: () => now });
    sender.enqueue([sample()]);
    now += 60 * 60 * 1000;
    await sender.flush();
    expect(tide.received).toEqual([]);
    expect(sender.pendingSamples).toBe(0);
    expect(lines).toContainEqual({ level: 'warn', message: 'dropped a batch older than Tide accepts', fields: { batchId: expect.any(String), samples: 1 } });
  });
});
