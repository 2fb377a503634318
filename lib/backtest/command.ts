import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadConfig } from '../config';
import { formatDuration } from '../duration';
import { ValidationError } from '../errors';
import { InputError, parseFlags, USAGE } from './flags';
import { parsePolicyFile } from './policyFile';
import { renderChart } from './chart';
import { runBacktest } from './run';
import { seriesCsv } from './series';
import { parseTrace } from './trace';
import { tunePolicy, tunePolicyInParallel, type Figures } from './tune';
import { startReplayThreads } from './tuneWorker';

const examples = join(import.meta.dirname, '..', '..', 'examples');
/** The policy a backtest replays unless told: Tide's recommended one, the load rule. */
const DEFAULT_POLICY = join(examples, 'policy.json');
/** What --tune must beat unless told: the HPA's way, target tracking at 60 % CPU. */
const DEFAULT_BASELINE = join(examples, 'policy-hpa.json');

/**
 * The backtest as a command, for `npm run backtest` and `tide backtest`:
 * prints the JSON summary, writes the series and chart when asked; with --tune, tunes a load
 * rule against the policy given (the baseline) and prints both. Returns
 * the exit code: 0, or 2 on bad input with a message naming the flag.
 */
export async function backtestCommand(args: readonly string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  try {
    const flags = parseFlags(args);
    if (flags.help) {
      out(USAGE);
      return 0;
    }
    const { capacity, startupDelayMs, initialReplicas } = flags;
    const trace = parseInput('--trace', flags.trace, parseTrace);
    const bounds = deploymentBounds();
    const { min, max, policy } = parseInput('--policy', flags.policy ?? (flags.tune ? DEFAULT_BASELINE : DEFAULT_POLICY), (text) => parsePolicyFile(text, bounds));
    if (flags.tune) {
      if (trace.length < 2) throw new InputError(`--trace ${flags.trace}: --tune needs at least 2 minutes, so that each half has one`);
      const tunedOn = flags.holdout ? 'the first half' : 'the whole trace';
      const progress = (candidates: number, best: Figures) =>
        err(`tune: ${candidates} policies replayed; best on ${tunedOn}: ${best.replicaMinutes} replica-minutes, ${best.minutesOverloaded} overloaded, ${best.scalingActions} actions`);
      const options = { baseline: { min, max, policy }, capacity, startupDelayMs, bounds, holdout: flags.holdout, actionCost: flags.actionCost, progress };
      const threads = startReplayThreads(trace, capacity, startupDelayMs);
      const tuned = threads === undefined ? tunePolicy(trace, options) : await tunePolicyInParallel(trace, options, threads.replay).finally(() => threads.close());
      if (flags.out !== undefined) write('--out', flags.out, `${JSON.stringify(tuned.policy, null, 2)}\n`);
      out(JSON.stringify({ capacity, startupDelay: formatDuration(startupDelayMs), ...tuned }, null, 2));
      return 0;
    }
    const { summary, series } = runBacktest(trace, { policy, min, max, capacity, startupDelayMs, initialReplicas });
    if (flags.series !== undefined) write('--series', flags.series, seriesCsv(series));
    if (flags.chart !== undefined) {
      const title = `Backtest: ${basename(flags.trace)}, ${capacity} requests/min per replica, start-up ${summary.startupDelay}`;
      write('--chart', flags.chart, renderChart(series, { capacity, title }));
    }
    out(JSON.stringify(summary, null, 2));
    return 0;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    err(`backtest: ${error.message}\n\n${USAGE}`);
    return 2;
  }
}

/** The policy bounds of the deployment the policy is meant for: TIDE_RETENTION_SECONDS as it would be set there, 24 h unless set. */
function deploymentBounds(): { retentionSeconds: number } {
  try {
    return { retentionSeconds: loadConfig().retentionSeconds };
  } catch (error) {
    throw new InputError((error as Error).message);
  }
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
