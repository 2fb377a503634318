/**
 * `npm run bench:coldstart`: each function's module load, as a cold start
 * pays it. Bundles every function as `osls package` does (serverless.yml's
 * custom.esbuild, plugins included, one build per function), plus the floor
 * (coldStartFloor.ts: only DynamoDB's document client), then loads each bundle
 * in a fresh Node process, round after round, and reads the CPU time
 * (`process.cpuUsage()`, user + system) spent in its `require()`: reading,
 * compiling and running the bundle's top level. Exits 1 when a function's
 * median is over 1.3× the floor's. See docs/BENCHMARKS.md.
 *
 * Flags: --runs 15
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleFunctions } from '../local/lambda';
import { declaredConfig } from '../local/serverlessConfig';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
const RUNS = Number(flags.runs);
if (!Number.isInteger(RUNS) || RUNS < 3) {
  console.error('--runs must be an integer of at least 3');
  process.exit(2);
}
/** Issue 13's goal: no function loads in more than 1.3× what DynamoDB's client alone takes. */
const BUDGET = 1.3;
const FLOOR = 'floor';
const root = join(import.meta.dirname, '..', '..');

const config = declaredConfig(root);
const [first] = config.functions;
if (!first) throw new Error('serverless.yml declares no function');
const out = mkdtempSync(join(tmpdir(), 'tide-bench-coldstart-'));
try {
  // One build per function, as `osls package` does: each bundle beside only its own split-off packages.
  const functions = [...config.functions, { ...first, name: FLOOR, source: 'scripts/bench/coldStartFloor.ts' }];
  const bundles = new Map<string, string>();
  for (const fn of functions) for (const [name, bundle] of await bundleFunctions(root, { ...config, functions: [fn] }, join(out, fn.name))) bundles.set(name, bundle);

  // The child does nothing but the require, between two readings of its own CPU time.
  const LOAD = 'const t = process.cpuUsage(); require(process.argv[1]); const d = process.cpuUsage(t); process.stdout.write(String((d.user + d.system) / 1000));';
  const loadMs = (bundle: string) => Number(execFileSync(process.execPath, ['-e', LOAD, bundle], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' }));

  const loadAtStart = loadavg()[0];
  const samples = new Map<string, number[]>([...bundles.keys()].map((name) => [name, []]));
  // Round after round, every bundle once per round: a busy spell on the machine hits them all alike.
  for (let round = 0; round < RUNS; round++) for (const [name, bundle] of bundles) samples.get(name)?.push(loadMs(bundle));

  const quantile = (sorted: number[], q: number) => sorted[Math.round(q * (sorted.length - 1))] ?? Number.NaN;
  const stats = new Map(
    [...samples].map(([name, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return [name, { median: quantile(sorted, 0.5), p25: quantile(sorted, 0.25), p75: quantile(sorted, 0.75), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN }];
    }),
  );
  const floor = stats.get(FLOOR)?.median ?? Number.NaN;
  const KiB = 1024;
  const rows = [...bundles].map(([name, bundle]) => {
    const s = stats.get(name) ?? { median: Number.NaN, p25: Number.NaN, p75: Number.NaN, min: Number.NaN, max: Number.NaN };
    // The files the plugin split off: loaded at first use, not at the cold start.
    const lazy = readdirSync(dirname(bundle)).filter((file) => file.startsWith(`${name}.`) && file.endsWith('.cjs') && file !== basename(bundle));
    return {
      function: name,
      ...s,
      ratio: s.median / floor,
      bundleKiB: Math.round(statSync(bundle).size / KiB),
      lazyKiB: Math.round(lazy.reduce((sum, file) => sum + statSync(join(dirname(bundle), file)).size, 0) / KiB),
      lazyFiles: lazy.length,
    };
  });
  console.log(JSON.stringify({ runs: RUNS, node: process.version, cpus: cpus().length, loadAtStart, budget: BUDGET, rows }, null, 2));

  const ms = (value: number) => value.toFixed(1);
  const lines = [
    ['function', 'median ms', 'p25–p75 ms', 'min–max ms', '× floor', 'bundle', 'loaded at first use', ''],
    ...rows.map((r) => [
      r.function,
      ms(r.median),
      `${ms(r.p25)}–${ms(r.p75)}`,
      `${ms(r.min)}–${ms(r.max)}`,
      r.ratio.toFixed(2),
      `${r.bundleKiB} KiB`,
      r.lazyFiles > 0 ? `${r.lazyKiB} KiB in ${r.lazyFiles} files` : '',
      r.function !== FLOOR && r.ratio > BUDGET ? 'OVER BUDGET' : '',
    ]),
  ];
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? [];
  console.log();
  for (const l of lines) console.log(l.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
  const over = rows.filter((r) => r.function !== FLOOR && r.ratio > BUDGET).map((r) => r.function);
  if (over.length > 0) {
    console.error(`\nOver ${BUDGET}× the floor: ${over.join(', ')}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
