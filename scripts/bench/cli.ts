/**
 * `npm run bench:cli`: how long `tide --help` takes as a whole process, from
 * spawn to exit, over several runs: the launcher (what `tide` runs), the
 * bundle alone, through npm (`npm run tide`, `npx tide`), and the way the CLI
 * ran before it was built (tsx compiling the sources), with bare Node for
 * scale. Exits 1 when `tide --help` takes a second or more (median). See
 * docs/BENCHMARKS.md.
 *
 * Flags: --runs 11 (after one warm-up run each)
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchFlags, spread } from './flags';

const { runs: RUNS } = benchFlags({ runs: 11 });
const BUDGET_MS = 1000;

const root = join(import.meta.dirname, '..', '..');
const node = process.execPath;
const WAYS: Array<{ way: string; command: string; args: string[] }> = [
  { way: 'tide --help (cli/bin.cjs)', command: node, args: ['cli/bin.cjs', '--help'] },
  { way: 'node dist/tide.cjs --help', command: node, args: ['dist/tide.cjs', '--help'] },
  { way: 'npm run tide -- --help', command: 'npm', args: ['run', '--silent', 'tide', '--', '--help'] },
  { way: 'npx tide --help', command: 'npx', args: ['tide', '--help'] },
  { way: 'tsx cli/tide.ts --help (before)', command: join(root, 'node_modules', '.bin', 'tsx'), args: ['cli/tide.ts', '--help'] },
  { way: 'node -e 0 (Node alone)', command: node, args: ['-e', '0'] },
];

function timeOnce(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const done = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (done.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${done.status}: ${done.stderr}`);
  return ms;
}

const loadAtStart = loadavg()[0];
const rows = WAYS.map(({ way, command, args }) => {
  timeOnce(command, args); // warm-up: builds the bundle if it is stale, fills tsx's and npm's caches
  const { min, median, max } = spread(Array.from({ length: RUNS }, () => timeOnce(command, args)));
  return { way, minMs: min, medianMs: median, maxMs: max };
});

console.log(JSON.stringify({ runs: RUNS, node: process.version, loadAtStart, rows }, null, 2));
const lines = [['way', 'min ms', 'median ms', 'max ms'], ...rows.map((r) => [r.way, String(r.minMs), String(r.medianMs), String(r.maxMs)])];
const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? [];
console.log();
for (const l of lines) console.log(l.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
const tide = rows[0];
if (tide && tide.medianMs >= BUDGET_MS) {
  console.error(`\n${tide.way}: median ${tide.medianMs} ms, over the ${BUDGET_MS} ms budget`);
  process.exit(1);
}
