import { afterEach, describe, expect, it } from 'vitest';
import type { Sample } from '../../agent/collector';
import { ATTEMPTS_PER_FLUSH, createSender } from '../../agent/sender';
import { recordingLog } from './logs';
import { startFakeTide, type Reply } from './fakeTide';

const MINUTE = 60_000;
const T = Date.parse('2026-11-22T10:00:00Z');
const sample = (at: number, overrides: Partial<Sample> = {}): Sample => ({ ts: new Date(at).toISOString(), service: 'myweb', container: '1e7563c03ae9', cpu_ratio: 37.5, ...overrides });
const accepted: Reply = { status: 202, body: { accepted: 1, duplicate: false } };

let tide: Awaited<ReturnType<typeof startFakeTide>> | undefined;
afterEach(async () => {
  await tide?.close();
  tide = undefined;
});

/** A sender sampling every 10 s, whose clock is the test's and whose waits return at once and are written down. */
function senderFor(url: string, clock: { now: number }, postIntervalMs = MINUTE) {
  const { log, lines } = recordingLog();
  const waits: number[] = [];
  const sender = createSender({
    tideUrl: `${url}/`,
    agentKey: 'tide_ak_secret',
    node: 'worker1',
    postIntervalMs,
    sampleIntervalMs: 10_000,
    log,
    now: () => clock.now,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
  });
  /** One cycle at `at`: these samples, then a flush. */
  const cycle = async (at: number, samples: Sample[]) => {
    clock.now = at;
    sender.enqueue(samples);
    await sender.flush();
  };
  return { sender, lines, waits, cycle };
}

/** Six cycles of a minute, 10 s apart from 3 s in, two containers: CPU 30 and 45. */
async function aMinute(cycle: (at: number, samples: Sample[]) => Promise<void>, start: number) {
  for (let i = 0; i < 6; i++) {
    const at = start + 3_000 + i * 10_000;
    await cycle(at, [sample(at, { cpu_ratio: 30.004, mem_usage: 52428800.4 }), sample(at, { container: '44fc2346b432', cpu_ratio: 45 })]);
  }
}

describe('what the agent posts', () => {
  it('once a minute, just after it closes: the minute folded per service (count, sum, min, max, containers), gzipped JSON with the key', async () => {
    tide = await startFakeTide(() => accepted);
    const clock = { now: T };
    const { sender, cycle } = senderFor(tide.url, clock);
    await aMinute(cycle, T);
    expect(tide.received).toEqual([]);
    await cycle(T + MINUTE + 3_000, [sample(T + MINUTE + 3_000)]);
    expect(tide.received).toHaveLength(1);
    const [request] = tide.received;
    expect(request?.headers).toMatchObject({ authorization: 'Bearer tide_ak_secret', 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
    expect(request?.batch).toEqual({
      node: 'worker1',
      batchId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      minutes: [
        {
          start: '2026-11-22T10:00:00.000Z',
          seq: 6,
          services: {
            myweb: {
              containers: 2,
              // Percentages to 2 decimals and bytes whole, as docker stats shows them.
              metrics: { cpu_ratio: { count: 12, sum: 6 * 30 + 6 * 45, min: 30, max: 45 }, mem_usage: { count: 6, sum: 6 * 52428800, min: 52428800, max: 52428800 } },
            },
          },
        },
      ],
    });
    // The open minute waits for its own post.
    expect(sender.pendingSamples).toBe(1);
  });

  it('with TIDE_INTERVAL under a minute, posts the open minute as it stands, each time with a higher seq', async () => {
    tide = await startFakeTide(() => accepted);
    const clock = { now: T };
    const { cycle } = senderFor(tide.url, clock, 10_000);
    await cycle(T + 3_000, [sample(T + 3_000, { cpu_ratio: 10 })]);
    await cycle(T + 13_000, [sample(T + 13_000, { cpu_ratio: 20 })]);
    expect(tide.received.map((r) => r.batch.minutes.map((m) => [m.start, m.seq, m.services.myweb?.metrics.cpu_ratio]))).toEqual([
      [['2026-11-22T10:00:00.000Z', 1, { count: 1, sum: 10, min: 10, max: 10 }]],
      [['2026-11-22T10:00:00.000Z', 2, { count: 2, sum: 30, min: 10, max: 20 }]],
    ]);
  });

  it.each([
    ['a gateway mangled the gzip', { status: 400, body: { error: { code: 'validation_failed', message: '1 problem in request body', details: [{ path: '', message: 'must be valid gzip data' }] } } }],
    ['an older Tide refuses the binary type', { status: 415, body: { error: { code: 'unsupported_media_type', message: 'Content-Type must be application/json' } } }],
  ] as const)('sends the same post as plain JSON when %s, and keeps doing so', async (_case, refusal) => {
    tide = await startFakeTide((n) => (n === 0 ? refusal : accepted));
    const clock = { now: T };
    const { sender, lines, cycle } = senderFor(tide.url, clock);
    await aMinute(cycle, T);
    await aMinute(cycle, T + MINUTE);
    await cycle(T + 2 * MINUTE + 3_000, []);
    expect(tide.received.map((r) => [r.headers['content-type'], r.headers['content-encoding']])).toEqual([
      ['application/octet-stream', 'gzip'],
      ['application/json', undefined],
      ['application/json', undefined],
    ]);
    expect(tide.received[1]?.batch).toEqual(tide.received[0]?.batch);
    expect(sender.pendingSamples).toBe(0);
    expect(lines.filter((l) => l.message.includes('sending uncompressed JSON'))).toHaveLength(1);
  });
});

describe('retries', () => {
  it.each([408, 429, 500, 503])('retries a %i with backoff, then stops', async (status) => {
    tide = await startFakeTide((n) => (n < 2 ? { status, body: { error: { code: 'x', message: 'try later' } } } : accepted));
    const clock = { now: T };
    const { sender, waits, cycle } = senderFor(tide.url, clock);
    await aMinute(cycle, T);
    await cycle(T + MINUTE + 3_000, []);
    expect(tide.received).toHaveLength(3);
    expect(new Set(tide.received.map((r) => JSON.stringify(r.batch.minutes))).size).toBe(1);
    // 500 ms then 1 s steps, half fixed and half jitter (random pinned at 0.5)
    expect(waits).toEqual([375, 750]);
    expect(sender.pendingSamples).toBe(0);
  });

  it('waits as long as Retry-After says on a 429', async () => {
    tide = await startFakeTide((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '7' }, body: { error: { code: 'rate_limited' } } } : accepted));
    const clock = { now: T };
    const { waits, cycle } = senderFor(tide.url, clock);
    await aMinute(cycle, T);
    await cycle(T + MINUTE + 3_000, []);
    expect(waits).toEqual([7000]);
  });

  it('keeps minutes Tide could not take and sends them at the next cycle, cumulative, with what they gained since', async () => {
    tide = await startFakeTide((n) => (n < ATTEMPTS_PER_FLUSH ? 'hang up' : accepted));
    const clock = { now: T };
    const { sender, lines, cycle } = senderFor(tide.url, clock);
    await aMinute(cycle, T);
    await cycle(T + MINUTE + 3_000, [sample(T + MINUTE + 3_000)]);
    expect(tide.received).toHaveLength(ATTEMPTS_PER_FLUSH);
    expect(lines).toContainEqual({ level: 'warn', message: 'Tide unreachable; keeping the minutes for the next cycle', fields: expect.objectContaining({ pendingSamples: 13 }) });
    await cycle(T + MINUTE + 13_000, [sample(T + MINUTE + 13_000)]);
    const last = tide.received.at(-1)?.batch.minutes;
    expect(last?.map((m) => [m.start, m.seq])).toEqual([['2026-11-22T10:00:00.000Z', 6]]);
    expect(sender.pendingSamples).toBe(2);
  });

  it('on stopping, tries once, with the open minute, and without waiting', async () => {
    tide = await startFakeTide(() => ({ status: 503 }));
    const clock = { now: T };
    const { sender, waits, cycle } = senderFor(tide.url, clock);
    await cycle(T + 3_000, [sample(T + 3_000)]);
    await sender.flush({ stopping: true });
    expect(tide.received.map((r) => r.batch.minutes.map((m) => m.start))).toEqual([['2026-11-22T10:00:00.000Z']]);
    expect(waits).toEqual([]);
  });
});

describe('refusals', () => {
  const validation = {
    error: { code: 'validation_failed', message: '1 problem in request body', details: [{ path: 'minutes[0].start', message: 'must be a minute that ended no more than 1h ago' }] },
  };

  it.each([
    { status: 400, body: validation },
    { status: 401, body: { error: { code: 'unauthorized', message: 'missing or unknown credential' } } },
    { status: 403, body: { error: { code: 'forbidden', message: 'not this namespace' } } },
    { status: 413, body: { error: { code: 'payload_too_large', message: 'body must be at most 1048576 bytes' } } },
  ])('does not retry a $status; logs what Tide said and drops the minutes', async ({ status, body }) => {
    tide = await startFakeTide((n) => (n === 0 ? { status, body } : accepted));
    const clock = { now: T };
    const { sender, lines, waits, cycle } = senderFor(tide.url, clock);
    await aMinute(cycle, T);
    await cycle(T + MINUTE + 3_000, []);
    expect(tide.received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(sender.pendingSamples).toBe(0);
    expect(lines).toContainEqual({
      level: 'error',
      message: 'Tide refused a post; dropped its minutes',
      fields: { status, error: body.error, batchId: tide.received[0]?.batch.batchId, minutes: ['2026-11-22T10:00:00.000Z'] },
    });
  });

  it('never logs the agent key', async () => {
    tide = await startFakeTide(() => ({ status: 401, body: { error: { code: 'unauthorized' } } }));
    const clock = { now: T };
    const { lines, cycle } = senderFor(tide.url, clock);
    await aMinute(cycle, T);
    await cycle(T + MINUTE + 3_000, []);
    expect(JSON.stringify(lines)).not.toContain('tide_ak_secret');
  });
});

describe('old minutes', () => {
  it('drops a kept minute once it is older than Tide accepts, without sending it', async () => {
    tide = await startFakeTide(() => accepted);
    const clock = { now: T };
    const { sender, lines, cycle } = senderFor(tide.url, clock);
    await aMinute(cycle, T);
    await cycle(T + 61 * MINUTE, []);
    expect(tide.received).toEqual([]);
    expect(sender.pendingSamples).toBe(0);
    expect(lines).toContainEqual({ level: 'warn', message: 'dropped minutes older than Tide accepts', fields: { samples: 12 } });
  });
});
