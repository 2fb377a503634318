// Builds the CLI into one file, dist/tide.cjs, as the agent is built: one
// esbuild bundle that starts in a fraction of the time tsx takes to compile
// the sources. `node cli/build.cjs` (npm run build:cli) builds it; the
// launcher, cli/bin.cjs, builds it when it is missing or older than a file it
// was built from, so a fresh clone needs only `npm ci`. Plain CommonJS: it
// runs before anything is compiled.
'use strict';
const { readFileSync, renameSync, statSync, writeFileSync, mkdirSync } = require('node:fs');
const { readFile } = require('node:fs/promises');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const bundle = join(root, 'dist', 'tide.cjs');
// When the last build started and the files it read (relative to the root), this one included.
const record = join(root, 'dist', 'tide.inputs.json');

/** True when the bundle exists and no file it was built from has changed since its build started. */
function isFresh() {
  try {
    const { startedAt, inputs } = JSON.parse(readFileSync(record, 'utf8'));
    statSync(bundle);
    return inputs.every((file) => statSync(join(root, file)).mtimeMs < startedAt);
  } catch {
    return false; // no bundle, no record, or an input gone: build
  }
}

// A bundle has no import.meta; a module's import.meta.dirname becomes its
// source directory as seen from the bundle's, so paths next to the sources
// (the backtest's example policy) still resolve.
const sourceDirname = {
  name: 'source-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.dirname')) return undefined;
      const fromBundle = JSON.stringify(relative(dirname(bundle), dirname(args.path)));
      return { contents: source.replaceAll('import.meta.dirname', `require("node:path").join(__dirname, ${fromBundle})`), loader: 'ts' };
    });
  },
};

/** Builds dist/tide.cjs; concurrent builds are safe, each writes a file of its own and renames it into place. */
async function build() {
  const esbuild = require('esbuild');
  const startedAt = Date.now();
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['cli/tide.ts'],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    plugins: [sourceDirname],
  });
  mkdirSync(dirname(bundle), { recursive: true });
  const inputs = [...Object.keys(result.metafile.inputs), relative(root, __filename)];
  place(bundle, result.outputFiles[0].contents);
  place(record, JSON.stringify({ startedAt, inputs }));
  return bundle;
}

function place(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

module.exports = { bundle, isFresh, build };

if (require.main === module) {
  build().catch(() => process.exit(1)); // esbuild has printed why
}
