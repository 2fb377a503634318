/**
 * The admin CLI's commands and arguments (the entry point is tide.ts). Talks to the admin API at TIDE_URL, else the URL
 * `npm start` keeps in its state dir, with the token in TIDE_ADMIN_TOKEN, else the one `npm start` keeps there too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError, createApi, type ApiUrl } from './client';
import * as commands from './commands';

const DEFAULT_URL = 'http://127.0.0.1:3000';

const USAGE = `usage: tide [--namespace NS] [--json] COMMAND
  status [SERVICE]                    services with replicas and last decision
  apply -f FILE [--service NAME]      create or replace a service from a JSON document
  delete SERVICE
  events SERVICE [--limit 20]         the scaling history, newest first
  metrics SERVICE [--metric cpu_ratio] [--stat mean] [--since 1h]
  scale SERVICE REPLICAS [--reason TEXT]
  evaluate [SERVICE...] [--dry-run]   run the evaluator now
  promote SERVICE SHADOW              make a shadow policy the service's policy (GET, then PUT)
  keys create NAME | keys list | keys revoke ID
  backtest --trace FILE.csv --capacity N [--policy FILE] [...]   replay a load trace (needs no API; see docs/BACKTEST.md)
  tune SERVICE [--since 7d] [--out FILE] [--startup-delay 60s] [--baseline FILE]
                                      tune a load rule on the service's own cpu_ratio load (see docs/BACKTEST.md)
environment: TIDE_URL (else the URL in .tide/url that npm start writes, else ${DEFAULT_URL}),
  TIDE_ADMIN_TOKEN (else .tide/admin-token), TIDE_STATE_DIR (instead of .tide)`;

/** What `npm start` keeps in its state dir (.tide in the current directory, or TIDE_STATE_DIR), or undefined. */
function stateFile(env: NodeJS.ProcessEnv, name: string): { path: string; text: string } | undefined {
  const path = join(env.TIDE_STATE_DIR ?? '.tide', name);
  const text = existsSync(path) ? readFileSync(path, 'utf8').trim() : '';
  return text ? { path, text } : undefined;
}

function adminToken(env: NodeJS.ProcessEnv): string | undefined {
  return env.TIDE_ADMIN_TOKEN || stateFile(env, 'admin-token')?.text;
}

/** TIDE_URL, else where `npm start` says it serves, else its usual port. */
function apiUrl(env: NodeJS.ProcessEnv): ApiUrl {
  if (env.TIDE_URL) return { url: env.TIDE_URL, from: 'TIDE_URL' };
  const written = stateFile(env, 'url');
  return written ? { url: written.text, from: written.path } : { url: DEFAULT_URL, from: 'the default' };
}

/** Runs one command; returns the exit code (0 done, 1 the API refused or could not be reached, 2 usage). */
export async function run(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  // The backtest runs here, on the engine, and takes flags of its own; loaded only for it, so other commands start faster.
  if (argv[0] === 'backtest') return (await import('../lib/backtest/command')).backtestCommand(argv.slice(1), out, err);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        namespace: { type: 'string', short: 'n', default: 'default' },
        json: { type: 'boolean', default: false },
        file: { type: 'string', short: 'f' },
        service: { type: 'string' },
        limit: { type: 'string', default: '20' },
        metric: { type: 'string', default: 'cpu_ratio' },
        stat: { type: 'string', default: 'mean' },
        since: { type: 'string' },
        out: { type: 'string' },
        'startup-delay': { type: 'string', default: '60s' },
        baseline: { type: 'string' },
        reason: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values: o, positionals: [command, ...args] } = parsed;
  if (o.help || !command) {
    (o.help ? out : err)(USAGE);
    return o.help ? 0 : 2;
  }
  const token = adminToken(env);
  if (!token) {
    err('set TIDE_ADMIN_TOKEN (npm start prints it)');
    return 2;
  }
  const url = apiUrl(env);
  if (!/^https?:\/\/[^/]/.test(url.url) || !URL.canParse(url.url)) {
    err(`the URL in ${url.from} must be an http:// or https:// URL`);
    return 2;
  }
  const ctx: commands.CommandContext = { api: createApi(url, token), namespace: o.namespace, json: o.json, out };
  const dispatch: Record<string, () => Promise<void>> = {
    status: () => commands.status(ctx, args[0]),
    apply: () => commands.apply(ctx, o.file, o.service),
    delete: () => commands.remove(ctx, args[0]),
    events: () => commands.events(ctx, args[0], o.limit),
    metrics: () => commands.metrics(ctx, args[0], o.metric, o.stat, o.since ?? '1h'),
    scale: () => commands.scale(ctx, args[0], args[1], o.reason),
    evaluate: () => commands.evaluate(ctx, args, o['dry-run']),
    promote: () => commands.promote(ctx, args[0], args[1]),
    keys: () => commands.keys(ctx, args[0], args[1]),
    // The tuner runs here, on the engine; loaded only for it, as the backtest is.
    tune: async () => (await import('./tune')).tune(ctx, args[0], { since: o.since ?? '7d', startupDelay: o['startup-delay'], ...(o.baseline ? { baseline: o.baseline } : {}), ...(o.out ? { out: o.out } : {}) }),
  };
  const action = dispatch[command];
  if (!action) {
    err(`unknown command ${command}\n${USAGE}`);
    return 2;
  }
  try {
    await action();
    return 0;
  } catch (error) {
    if (error instanceof commands.UsageError) {
      err(`${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof ApiError) {
      err(`tide: ${error.message}`);
      return 1;
    }
    err(`tide: ${(error as Error).message}`);
    return 1;
  }
}
