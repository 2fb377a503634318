/**
 * `npm run traces -- --out-dir traces`: writes synthetic per-minute request traces, CSV
 * `minute,requests` as `npm run backtest -- --trace` reads them, one file per kind of traffic.
 * The same seed gives the same files, so a table of figures measured on them can be reproduced.
 *
 *   npm run traces -- --out-dir DIR [--kind KIND]... [--days 14] [--seed 1]
 *   npm run traces -- --kind bursts --out bursts.csv
 *
 * Levels are requests a minute for a capacity of 25 a replica (the NASA commands' capacity):
 * a busy minute needs about 10 replicas, `low` needs one or two.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const DAY = 1440;
const HOUR = 60;

/** What each trace is like, in the words of the service that would have it. */
export const TRACE_KINDS = {
  daily: 'a smooth daily cycle with noise: quiet at night, busy in the afternoon',
  bursts: 'a daily cycle with bursts that recur at the same minute: the top of every daytime hour, a nightly batch at 02:00',
  flash: 'a quiet daily cycle with a few one-off flash crowds, 5 to 10 times the usual load, that fade over an hour',
  weekly: 'a weekly shape: busy weekdays with a lunch dip, quiet weekends',
  low: 'low traffic near one replica, with the odd burst',
  walk: 'a noisy random walk: no cycle, a level that drifts and jumps',
} as const;

export type TraceKind = keyof typeof TRACE_KINDS;

export interface TraceOptions {
  /** Whole days of minutes. */
  days: number;
  seed: number;
}

/** mulberry32: a small, fast PRNG with a 32-bit seed; the same seed gives the same sequence. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller). */
const gauss = (rnd: () => number): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

/**
 * Requests arriving in a minute at a given mean rate: the rate jittered by a minute's own mood
 * (log-normal, `spread`), then counted with Poisson's spread (normal approximation), so traffic
 * is noisier than Poisson, as real traffic is.
 */
function arrivals(rate: number, rnd: () => number, spread = 0.15): number {
  const jittered = rate * Math.exp(spread * gauss(rnd) - (spread * spread) / 2);
  return Math.max(0, Math.round(jittered + Math.sqrt(jittered) * gauss(rnd)));
}

/** 0 at 04:00, 1 at 16:00: the day's shape of most user-facing services. */
const dayShape = (minute: number): number => 0.5 - 0.5 * Math.cos((2 * Math.PI * ((minute % DAY) - 4 * HOUR)) / DAY);

/** The mean rate of each minute of a trace, before the minute's own noise. */
function rates(kind: TraceKind, minutes: number, rnd: () => number): number[] {
  switch (kind) {
    case 'daily':
      return Array.from({ length: minutes }, (_, m) => 20 + 220 * dayShape(m) ** 1.5);
    case 'bursts':
      return Array.from({ length: minutes }, (_, m) => {
        const inDay = m % DAY;
        const daytime = inDay >= 8 * HOUR && inDay < 20 * HOUR;
        // Jobs that start on the hour: a jump for 4 minutes, fading.
        const onTheHour = daytime && inDay % HOUR < 4 ? 160 * (1 - (inDay % HOUR) / 5) : 0;
        const nightlyBatch = inDay >= 2 * HOUR && inDay < 2 * HOUR + 20 ? 220 : 0;
        return 20 + 140 * dayShape(m) ** 1.5 + onTheHour + nightlyBatch;
      });
    case 'flash': {
      const base = Array.from({ length: minutes }, (_, m) => 15 + 60 * dayShape(m));
      // About one crowd every two days, at a random minute, ramping up within 3 minutes.
      const crowds = Math.max(1, Math.round(minutes / (2 * DAY)));
      for (let c = 0; c < crowds; c++) {
        const start = Math.floor(rnd() * (minutes - 3 * HOUR));
        const factor = 5 + 5 * rnd();
        const fade = 30 + 60 * rnd();
        for (let m = start; m < Math.min(minutes, start + 4 * HOUR); m++) {
          const t = m - start;
          const rise = Math.min(1, (t + 1) / 3);
          base[m] = (base[m] as number) * (1 + (factor - 1) * rise * Math.exp(-Math.max(0, t - 3) / fade));
        }
      }
      return base;
    }
    case 'weekly':
      return Array.from({ length: minutes }, (_, m) => {
        const weekend = Math.floor(m / DAY) % 7 >= 5;
        const inDay = m % DAY;
        const office = Math.max(0, Math.sin((Math.PI * (inDay - 7 * HOUR)) / (12 * HOUR)));
        const lunch = inDay >= 12 * HOUR && inDay < 13 * HOUR ? 0.7 : 1;
        return 15 + (weekend ? 50 : 230) * office * lunch;
      });
    case 'low':
      return Array.from({ length: minutes }, (_, m) => (rnd() < 0.003 ? 45 : 6 + 10 * dayShape(m)));
    case 'walk': {
      let level = Math.log(80);
      return Array.from({ length: minutes }, () => {
        // Drifts back towards 80 a minute; now and then a jump of either sign.
        level += 0.002 * (Math.log(80) - level) + 0.03 * (rnd() - 0.5) + (rnd() < 0.002 ? (rnd() - 0.5) * 1.5 : 0);
        level = Math.min(Math.log(400), Math.max(Math.log(5), level));
        return Math.exp(level);
      });
    }
  }
}

/** A synthetic trace: the requests of each minute. Pure: the same kind, days and seed give the same minutes. */
export function generateTrace(kind: TraceKind, options: TraceOptions): number[] {
  const rnd = random(options.seed * 1_000_003 + Object.keys(TRACE_KINDS).indexOf(kind));
  const minutes = Math.round(options.days * DAY);
  return rates(kind, minutes, rnd).map((rate) => arrivals(rate, rnd));
}

/** The trace as `npm run backtest -- --trace` reads it. */
export function traceCsv(requests: readonly number[]): string {
  return `minute,requests\n${requests.map((r, m) => `${m},${r}`).join('\n')}\n`;
}

const USAGE = `usage: npm run traces -- (--out-dir DIR | --out FILE --kind KIND) [--kind KIND]... [--days N] [--seed N]
  --out-dir DIR   write one KIND.csv a kind (all kinds unless --kind names some)
  --out FILE      write one trace, of the one --kind given
  --kind KIND     ${Object.keys(TRACE_KINDS).join(', ')}
  --days N        days of minutes (default 14)
  --seed N        a whole number; the same seed gives the same traces (default 1)
kinds:
${Object.entries(TRACE_KINDS)
  .map(([kind, what]) => `  ${kind.padEnd(8)}${what}`)
  .join('\n')}`;

function main(args: string[]): number {
  const fail = (message: string): number => {
    console.error(`traces: ${message}\n\n${USAGE}`);
    return 2;
  };
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'out-dir': { type: 'string' },
        out: { type: 'string' },
        kind: { type: 'string', multiple: true },
        days: { type: 'string', default: '14' },
        seed: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    return fail((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const days = Number(values.days);
  if (!(days > 0 && days <= 366)) return fail(`--days must be a number of days > 0 and <= 366, got ${JSON.stringify(values.days)}`);
  if (!/^\d+$/.test(values.seed)) return fail(`--seed must be a whole number >= 0, got ${JSON.stringify(values.seed)}`);
  const seed = Number(values.seed);
  const kinds = values.kind ?? Object.keys(TRACE_KINDS);
  const unknown = kinds.find((k) => !(k in TRACE_KINDS));
  if (unknown !== undefined) return fail(`--kind must be one of ${Object.keys(TRACE_KINDS).join(', ')}, got ${JSON.stringify(unknown)}`);
  const write = (path: string, kind: string) => {
    writeFileSync(path, traceCsv(generateTrace(kind as TraceKind, { days, seed })));
    console.log(`${path}: ${kind}, ${days} days, seed ${seed}`);
  };
  if (values.out !== undefined) {
    if (values['out-dir'] !== undefined || kinds.length !== 1 || values.kind === undefined) return fail('--out writes one trace: give exactly one --kind, and no --out-dir');
    write(values.out, kinds[0] as string);
    return 0;
  }
  if (values['out-dir'] === undefined) return fail('--out-dir or --out is required: where to write');
  mkdirSync(values['out-dir'], { recursive: true });
  for (const kind of kinds) write(join(values['out-dir'], `${kind}.csv`), kind);
  return 0;
}

// Run as a script, not when a test imports the generator.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
