/**
 * `npm run bench:bundle`: packages every function with `osls package` (no AWS
 * account needed) and reports each zip's size, the size of its main .cjs
 * inside (what a cold start loads) and of the packages split off to be loaded
 * at first use (scripts/esbuildPlugins.cjs). Exits 1 when a function is over
 * its budget, so a change that bloats a bundle is noticed. See docs/BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const KiB = 1024;

/**
 * Sizes measured on 2026-11-22 (ingest) and 2026-11-30 (the others, once their platform SDKs were split
 * off: smaller main files, bigger zips, each split-off SDK carrying its own copy of the SDK's core) plus
 * about 15%. Raise one only for a change that is worth its weight.
 */
const BUDGETS: Record<string, { zip: number; cjs: number }> = {
  admin: { zip: 2250 * KiB, cjs: 945 * KiB },
  evaluator: { zip: 2380 * KiB, cjs: 905 * KiB },
  ingest: { zip: 1130 * KiB, cjs: 790 * KiB },
  webhook: { zip: 2620 * KiB, cjs: 885 * KiB },
};

const root = join(import.meta.dirname, '..', '..');
const out = join(root, '.serverless');

interface ZipEntry {
  name: string;
  compressed: number;
  size: number;
}

/** The entries listed in a zip's central directory (no zip64: Lambda bundles stay far below 4 GiB). */
function zipEntries(zip: Buffer): ZipEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('not a zip file');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt central directory');
    const nameLength = zip.readUInt16LE(at + 28);
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
      compressed: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

const packaged = spawnSync('npx', ['osls', 'package'], { cwd: root, encoding: 'utf8' });
if (packaged.status !== 0) {
  console.error(packaged.stdout, packaged.stderr);
  process.exit(1);
}

const rows = readdirSync(out)
  .filter((file) => file.endsWith('.zip'))
  .sort()
  .map((file) => {
    const fn = file.slice(0, -'.zip'.length);
    const zip = readFileSync(join(out, file));
    const entries = zipEntries(zip);
    // serverless.yml's handlers are functions/<name>.handler; the plugin's files are functions/<name>.<package>.cjs.
    const main = entries.find((e) => e.name === `functions/${fn}.cjs`);
    if (!main) throw new Error(`${file} holds no functions/${fn}.cjs`);
    const lazy = entries.filter((e) => e.name.endsWith('.cjs') && e !== main);
    const budget = BUDGETS[fn];
    const over = budget ? zip.length > budget.zip || main.size > budget.cjs : false;
    const firstUse = lazy.reduce((sum, e) => sum + e.size, 0);
    return { fn, zip: zip.length, main: main.name, cjs: main.size, cjsCompressed: main.compressed, firstUse, firstUseFiles: lazy.map((e) => e.name), budget, over };
  });

console.log(JSON.stringify(rows, null, 2));
const kib = (bytes: number) => `${(bytes / KiB).toFixed(0)} KiB`;
const lines = [
  ['function', 'zip', 'main .cjs', '.cjs size', 'loaded at first use', 'budget zip / .cjs', ''],
  ...rows.map((r) => [
    r.fn,
    kib(r.zip),
    r.main,
    kib(r.cjs),
    r.firstUseFiles.length > 0 ? `${kib(r.firstUse)} in ${r.firstUseFiles.length} files` : '',
    r.budget ? `${kib(r.budget.zip)} / ${kib(r.budget.cjs)}` : 'none: add one to scripts/bench/bundle.ts',
    r.over ? 'OVER BUDGET' : '',
  ]),
];
const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? [];
console.log();
for (const l of lines) console.log(l.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
const over = rows.filter((r) => r.over).map((r) => r.fn);
if (over.length > 0) {
  console.error(`\nOver budget: ${over.join(', ')}`);
  process.exit(1);
}
