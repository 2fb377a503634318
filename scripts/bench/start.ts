/**
 * `npm run bench:start`: how long `npm start` takes to be ready, from spawn to
 * the first answered admin request, over several runs, each with a new state
 * folder (a first start: DynamoDB Local creates its files and the table) on a
 * free port, with the schedule off so no evaluation runs meanwhile. Exits 1
 * when the median is 20 s or more. See docs/BENCHMARKS.md.
 *
 * Flags: --runs 5
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { freePort } from '../local/dynamodb';
import { benchFlags, spread } from './flags';

const { runs: RUNS } = benchFlags({ runs: 5 });
const BUDGET_MS = 20_000;
const root = join(import.meta.dirname, '..', '..');

/** Milliseconds from spawning `npm start` to its first 200 on GET /v1/services, and what it said it took. */
async function startOnce(): Promise<{ ms: number; said: number }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'tide-bench-start-'));
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TIDE_STATE_DIR: stateDir, TIDE_HTTP_PORT: String(port), TIDE_EVALUATOR_SCHEDULE: 'false' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
      const url = /API: +(http\S+)/.exec(output)?.[1];
      if (url) {
        const token = readFileSync(join(stateDir, 'admin-token'), 'utf8').trim();
        const answer = await fetch(`${url}/v1/services`, { headers: { authorization: `Bearer ${token}` } });
        if (answer.status !== 200) throw new Error(`GET /v1/services answered ${answer.status}: ${await answer.text()}`);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        return { ms, said: Number(/ready in ([\d.]+) s/.exec(output)?.[1] ?? Number.NaN) * 1000 };
      }
      await wait(50);
    }
  } finally {
    if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGINT');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    rmSync(stateDir, { recursive: true, force: true });
  }
}

const loadAtStart = loadavg()[0];
const runs: Array<{ ms: number; said: number }> = [];
for (let i = 0; i < RUNS; i++) runs.push(await startOnce());
const toFirstAnswer = spread(runs.map((r) => r.ms));
const printed = spread(runs.map((r) => r.said));
console.log(JSON.stringify({ runs: RUNS, node: process.version, loadAtStart, toFirstAnswerMs: toFirstAnswer, printedReadyMs: printed }, null, 2));
if (toFirstAnswer.median >= BUDGET_MS) {
  console.error(`npm start: median ${toFirstAnswer.median} ms to the first answer, over the ${BUDGET_MS} ms budget`);
  process.exit(1);
}
