import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { closedPortUrl } from '../support/loopback';

const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'tide.cjs');
const launcher = join(root, 'cli', 'bin.cjs');
const record = join(root, 'dist', 'tide.inputs.json');

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', '--silent', 'build:cli'], { cwd: root });
}, 60_000);

/** Runs a script as `tide` runs, in an empty directory so no .tide/ of this checkout is read. */
function node(script: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [script, ...args], { cwd: mkdtempSync(join(tmpdir(), 'tide-cwd-')), env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the built CLI, dist/tide.cjs', () => {
  it('answers --help', async () => {
    const { code, stdout, stderr } = await node(bundle, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: tide /);
    expect(stderr).toBe('');
  });

  it('says in one line which URL it could not reach, without a stack trace, and exits 1', async () => {
    const closed = await closedPortUrl();
    expect(await node(bundle, ['status'], { TIDE_URL: closed, TIDE_ADMIN_TOKEN: 't' })).toEqual({
      code: 1,
      stdout: '',
      stderr: `tide: cannot reach Tide at ${closed} (connection refused, from TIDE_URL): is Tide running there? check TIDE_URL\n`,
    });
  });

  it('replays a trace with the example policy kept next to the sources, from any directory', async () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'tide-trace-')), 'trace.csv');
    writeFileSync(trace, ['minute,requests', ...Array.from({ length: 10 }, (_, m) => `${m},${m < 3 ? 5 : 30}`)].join('\n'));
    const { code, stdout } = await node(bundle, ['backtest', '--trace', trace, '--capacity', '10']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ minutes: 10, peakLoad: 30 });
  });
});

describe('the launcher, cli/bin.cjs (the package bin)', () => {
  it('rebuilds the bundle when a file it was built from is newer than the build, then runs it', async () => {
    const built = JSON.parse(readFileSync(record, 'utf8')) as { startedAt: number; inputs: string[] };
    expect(built.inputs).toEqual(expect.arrayContaining(['cli/tide.ts', 'cli/main.ts', 'cli/build.cjs']));
    writeFileSync(record, JSON.stringify({ ...built, startedAt: 0 }));

    const { code, stdout } = await node(launcher, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: tide /);
    expect((JSON.parse(readFileSync(record, 'utf8')) as { startedAt: number }).startedAt).toBeGreaterThan(0);
  });
});
