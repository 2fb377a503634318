/**
 * The local stack as a newcomer meets it: `npm start` run literally in a view
 * of this checkout that has its own `.tide/` (every other top-level entry is a
 * link to the real one), so a test never touches a developer's own stack.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';

export const root = join(import.meta.dirname, '..', '..');

/** A folder that looks like this checkout, without its `.tide/`. */
export function checkoutView(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tide-checkout-'));
  for (const entry of readdirSync(root)) {
    // Its own state and build output, so nothing it writes meets another test's files.
    if (!['.tide', '.git', 'dist', '.serverless', '.esbuild', 'coverage'].includes(entry)) symlinkSync(join(root, entry), join(dir, entry));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunningStack {
  url: string;
  token: string;
  /** Everything `npm start` printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** This process's environment without what the test setup added (test/support/env.ts): what a user's shell holds. */
export function userEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TIDE_|POWERTOOLS_|AWS_)/.test(name))) as Record<string, string>;
  return { ...env, ...extra };
}

/** Runs `npm start` in `dir` and resolves once it says it is running; rejects with its output if it exits first. */
export async function npmStart(dir: string, env: Record<string, string> = {}): Promise<RunningStack> {
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: userEnvironment(env),
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGINT');
    await exited;
  };
  const ready = (async () => {
    while (child.exitCode === null && !/API: +http/.test(output)) await wait(100);
  })();
  const outcome = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const)]);
  if (outcome === 'exited') throw new Error(`npm start exited before it was ready:\n${output}`);
  return {
    url: /API: +(http\S+)/.exec(output)?.[1] ?? '',
    token: readFileSync(join(env.TIDE_STATE_DIR ?? join(dir, '.tide'), 'admin-token'), 'utf8').trim(),
    output: () => output,
    stop,
  };
}

export interface StackForTests {
  /** The view of the checkout the stack runs in. */
  readonly dir: string;
  readonly stack: RunningStack;
  /** `npx tide ARGS` in the view, from a user's shell: what it printed. */
  tide(...args: string[]): Promise<string>;
  /** A call to the stack's API with its admin token: the answer's status and JSON body. */
  admin(path: string, method?: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }>;
}

/**
 * For a test file: `npm start` on a free port in its own view of the checkout, with `env` added,
 * started before its tests and stopped after them. Read its fields inside a test or hook.
 */
export function localStackForTests(env: Record<string, string> = {}): StackForTests {
  let view: ReturnType<typeof checkoutView> | undefined;
  let stack: RunningStack | undefined;
  beforeAll(async () => {
    view = checkoutView();
    stack = await npmStart(view.dir, { TIDE_HTTP_PORT: String(await freePort()), ...env });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    view?.remove();
  });
  const running = () => {
    if (!view || !stack) throw new Error('the local stack runs only while the file\'s tests do');
    return { dir: view.dir, stack };
  };
  return {
    get dir() {
      return running().dir;
    },
    get stack() {
      return running().stack;
    },
    tide: async (...args) => (await promisify(execFile)('npx', ['tide', ...args], { cwd: running().dir, env: userEnvironment(), maxBuffer: 1 << 24 })).stdout,
    admin: async (path, method = 'GET', body) => {
      const { url, token } = running().stack;
      const answer = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: answer.status, body: (await answer.json()) as Record<string, any> };
    },
  };
}
