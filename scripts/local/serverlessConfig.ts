/**
 * serverless.yml as the local stack needs it: each function's handler, its
 * environment, timeout, HTTP routes and schedules. `resolvedConfig` asks the
 * framework itself to resolve the variables (`osls print`), so `${env:…}`
 * and `${self:…}` mean locally exactly what they mean on deploy.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { load } from 'js-yaml';

export interface Schedule {
  /** Milliseconds between invocations, from `rate(…)`. */
  everyMs: number;
  enabled: boolean;
}

export interface LocalFunction {
  name: string;
  /** The handler's source file, from the project root: `functions/ingest.ts` for `functions/ingest.handler`. */
  source: string;
  /** The handler's export: `handler`. */
  exportName: string;
  /** The name Lambda knows it by: `service-stage-name`. */
  deployedName: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  /** `METHOD /path/{param}` of each `httpApi` event. */
  httpRoutes: string[];
  /** The function has a function URL (`url:` set, once resolved). */
  functionUrl?: boolean;
  schedules: Schedule[];
}

export interface LocalConfig {
  service: string;
  stage: string;
  region: string;
  functions: LocalFunction[];
  /** `custom.esbuild`: how the deployed bundles are built. */
  esbuild: Record<string, unknown>;
}

interface RawEvent {
  httpApi?: string | { method?: string; path?: string };
  schedule?: string | { rate?: string | string[]; enabled?: boolean | string };
}

interface RawFunction {
  handler: string;
  /** Set by `osls print`. */
  name?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, unknown>;
  events?: RawEvent[];
  /** `true` or an object once resolved; unresolved, the `${…}` text, which says nothing yet. */
  url?: unknown;
}

interface RawConfig {
  service: string;
  provider: { stage?: string; region?: string; timeout?: number; memorySize?: number; environment?: Record<string, unknown> };
  custom?: { esbuild?: Record<string, unknown> };
  functions: Record<string, RawFunction>;
}

const UNITS_MS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** `rate(1 minute)` → 60000. Cron expressions are not emulated: say so rather than run at the wrong moments. */
export function rateMs(expression: string): number {
  const match = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(expression.trim());
  if (!match) throw new Error(`schedule ${expression}: the local stack runs rate(N minutes|hours|days) schedules only`);
  return Number(match[1]) * (UNITS_MS[match[2] ?? ''] ?? 0);
}

function routeKey(event: RawEvent['httpApi']): string | undefined {
  if (typeof event === 'string') return event;
  return event?.method && event.path ? `${event.method.toUpperCase()} ${event.path}` : undefined;
}

function schedules(event: RawEvent['schedule']): Schedule[] {
  if (event === undefined) return [];
  const rates = typeof event === 'string' ? [event] : [event.rate ?? []].flat();
  const enabled = typeof event === 'string' || (event.enabled !== false && event.enabled !== 'false');
  return rates.map((rate) => ({ everyMs: rateMs(rate), enabled }));
}

const strings = (vars: Record<string, unknown> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(vars ?? {}).map(([k, v]) => [k, String(v)]));

/** The functions of a parsed serverless.yml, resolved or not (routes and handlers carry no variables). */
export function localConfig(doc: RawConfig, stage: string): LocalConfig {
  const provider = doc.provider;
  return {
    service: doc.service,
    stage,
    region: provider.region ?? 'us-east-1',
    esbuild: doc.custom?.esbuild ?? {},
    functions: Object.entries(doc.functions).map(([name, fn]) => ({
      name,
      source: `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.ts`,
      exportName: fn.handler.slice(fn.handler.lastIndexOf('.') + 1),
      deployedName: fn.name ?? `${doc.service}-${stage}-${name}`,
      timeoutSeconds: fn.timeout ?? provider.timeout ?? 6,
      memoryMb: fn.memorySize ?? provider.memorySize ?? 1024,
      environment: { ...strings(provider.environment), ...strings(fn.environment) },
      httpRoutes: (fn.events ?? []).map((e) => routeKey(e.httpApi)).filter((r): r is string => r !== undefined),
      schedules: (fn.events ?? []).flatMap((e) => schedules(e.schedule)),
      functionUrl: fn.url === true || (typeof fn.url === 'object' && fn.url !== null),
    })),
  };
}

/** serverless.yml as written, variables unresolved: enough for routes and handlers. */
export function declaredConfig(root: string, stage = 'local'): LocalConfig {
  return localConfig(load(readFileSync(join(root, 'serverless.yml'), 'utf8')) as RawConfig, stage);
}

/** serverless.yml resolved by the framework for `stage`, with `env` as the environment its `${env:…}` variables read. */
export async function resolvedConfig(root: string, stage: string, env: NodeJS.ProcessEnv): Promise<LocalConfig> {
  const { stdout } = await promisify(execFile)(join(root, 'node_modules', '.bin', 'osls'), ['print', '--stage', stage, '--format', 'json'], {
    cwd: root,
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  return localConfig(JSON.parse(stdout) as RawConfig, stage);
}
