/**
 * `npm run backtest -- --trace ../shared/traces/x.csv --capacity 50`: replays a per-minute request
 * trace through the decision engine and the simulated service, and prints a JSON summary.
 * See docs/BACKTEST.md. Exits 2 on bad input, naming the flag at fault.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError, parseFlags, USAGE } from '../lib/backtest/flags';
import { parsePolicyFile, parseTrace, renderChart, runBacktest, seriesCsv } from '../lib/backtest';
import { ValidationError } from '../lib/errors';

const DEFAULT_POLICY = join(import.meta.dirname, '..', 'examples', 'policy.json');

function main(): void {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.help) {
    console.log(USAGE);
    return;
  }
  const { capacity, startupDelayMs, initialReplicas } = flags;
  const trace = parseInput('--trace', flags.trace, parseTrace);
  const { min, max, policy } = parseInput('--policy', flags.policy ?? DEFAULT_POLICY, parsePolicyFile);
  const { summary, series } = runBacktest(trace, { policy, min, max, capacity, startupDelayMs, initialReplicas });

  if (flags.series !== undefined) write('--series', flags.series, seriesCsv(series));
  if (flags.chart !== undefined) {
    const title = `Backtest: ${basename(flags.trace)}, ${capacity} requests/min per replica, start-up ${summary.startupDelay}`;
    write('--chart', flags.chart, renderChart(series, { capacity, title }));
  }
  console.log(JSON.stringify(summary, null, 2));
}

/** Reads and parses a file, naming the flag and the file in any error. */
function parseInput<T>(flag: string, path: string, parse: (text: string) => T): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`${flag} ${path}: cannot read: ${(error as Error).message}`);
  }
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const problems = (error.details ?? []).map((p) => `  ${p.path === '' ? '(file)' : p.path}: ${p.message}`);
    throw new InputError([`${flag} ${path}: ${error.message}`, ...problems].join('\n'));
  }
}

function write(flag: string, path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new InputError(`${flag} ${path}: cannot write: ${(error as Error).message}`);
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  console.error(`backtest: ${error.message}\n\n${USAGE}`);
  process.exitCode = 2;
}
