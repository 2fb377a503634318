import { parseArgs } from 'node:util';
import { parseDuration } from '../duration';

export const USAGE = `usage: npm run backtest -- --trace FILE.csv --capacity N [options]
  --trace FILE             per-minute request trace, CSV with the header minute,requests (required)
  --capacity N             requests a minute one replica serves at 100% CPU (required)
  --policy FILE            {"min","max","policy"} or a whole service document (default examples/policy.json,
                           the load rule; with --tune, the baseline, default examples/policy-hpa.json)
  --startup-delay DURATION time before an added replica serves, e.g. 60s or 2m (default 60s)
  --initial-replicas N     replicas running when the trace starts (default the policy's min)
  --series FILE            write minute,load,ready_replicas,desired_replicas,cpu_ratio as CSV
  --chart FILE             write load, ready capacity and replicas as an SVG chart
  --tune                   search the load rule's parameters on the whole trace to beat --policy (the
                           baseline) and print both policies' figures on the whole trace and on each half
  --holdout                with --tune: tune on the first half only, and check on the second
  --action-cost N          with --tune: the replica-minutes one scaling action counts as (default 10)
  --out FILE               with --tune: write the tuned policy, as --policy reads it`;

/** A mistake in what the user gave, worded for the terminal: the CLI prints it with the usage and exits 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** `--help`, or a backtest to run. */
export type BacktestFlags = { help: true } | RunFlags;

export interface RunFlags {
  help: false;
  trace: string;
  capacity: number;
  policy?: string;
  startupDelayMs: number;
  initialReplicas?: number;
  series?: string;
  chart?: string;
  tune: boolean;
  /** With tune: tune on the first half and check on the second. */
  holdout: boolean;
  /** With tune: the replica-minutes one scaling action counts as; undefined for the default. */
  actionCost?: number;
  out?: string;
}

/** The command line of `npm run backtest`, checked; every error names its flag. */
export function parseFlags(args: readonly string[]): BacktestFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        trace: { type: 'string' },
        capacity: { type: 'string' },
        policy: { type: 'string' },
        'startup-delay': { type: 'string', default: '60s' },
        'initial-replicas': { type: 'string' },
        series: { type: 'string' },
        chart: { type: 'string' },
        tune: { type: 'boolean', default: false },
        holdout: { type: 'boolean', default: false },
        out: { type: 'string' },
        'action-cost': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  if (values.help) return { help: true };
  const { trace, policy, series, chart, tune, holdout, out } = values;

  if (trace === undefined) throw new InputError('--trace is required: the CSV file of requests per minute');
  if (values.capacity === undefined) throw new InputError('--capacity is required: the requests a minute one replica serves at 100% CPU');
  const capacity = Number(values.capacity);
  if (!(capacity > 0) || !Number.isFinite(capacity)) throw new InputError(`--capacity must be a number > 0, got ${JSON.stringify(values.capacity)}`);

  let startupDelayMs: number;
  try {
    startupDelayMs = parseDuration(values['startup-delay']);
  } catch (error) {
    throw new InputError(`--startup-delay ${(error as Error).message}`);
  }

  const initial = values['initial-replicas'];
  const initialReplicas = initial === undefined ? undefined : /^\d+$/.test(initial) ? Number(initial) : Number.NaN;
  if (Number.isNaN(initialReplicas)) throw new InputError(`--initial-replicas must be a whole number >= 0, got ${JSON.stringify(initial)}`);

  if (holdout && !tune) throw new InputError('--holdout is for --tune: it tunes on the first half and checks on the second');
  if (out !== undefined && !tune) throw new InputError('--out is for --tune: it writes the tuned policy');
  const costText = values['action-cost'];
  const actionCost = costText === undefined ? undefined : /^\d+(\.\d+)?$/.test(costText) ? Number(costText) : Number.NaN;
  if (Number.isNaN(actionCost)) throw new InputError(`--action-cost must be a number of replica-minutes >= 0, got ${JSON.stringify(costText)}`);
  if (actionCost !== undefined && !tune) throw new InputError('--action-cost is for --tune: it weighs scaling actions against replica-minutes in the search');
  if (tune && (series !== undefined || chart !== undefined || initialReplicas !== undefined)) {
    throw new InputError('--series, --chart and --initial-replicas replay one policy: give them without --tune, with --policy the tuned file');
  }

  return { help: false, trace, capacity, policy, startupDelayMs, initialReplicas, series, chart, tune, holdout, actionCost, out };
}
