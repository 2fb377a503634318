// esbuild plugins for the functions' bundles, named by serverless.yml's
// custom.esbuild.plugins: `osls package` and the local stack
// (scripts/local/lambda.ts) both build with them. Plain CommonJS: the
// serverless-esbuild plugin require()s this file.
'use strict';
const { build } = require('esbuild');
const { mkdir, readFile, writeFile } = require('node:fs/promises');
const { basename, extname, join } = require('node:path');

/**
 * A package that the code only ever loads with `await import('pkg')` (the
 * platform SDKs: ECS, EC2, SSM…) is bundled into a file of its own beside the
 * function's bundle, `<function>.<pkg>.cjs`, and required from there the first
 * time the import runs. The cjs format has no code splitting: bundled inline,
 * its code would be parsed at every cold start even if never run (the EC2
 * client alone is about 1 MB). The package's file holds its own copy of what
 * it shares with the main bundle (@smithy/core…), so nothing crosses between
 * the two but the package's exports.
 *
 * Packages in SEPARATE get a file of their own however they are imported: a
 * static import requires it when the importing module runs. That is zod:
 * Tide's schemas are built by the first request that needs them (a route's,
 * a stored policy parsed again), and most functions run none at a cold start,
 * but inline, zod's code would be compiled at every one (about 6 ms of the
 * evaluator's). One file per function, so every schema shares one zod. Its
 * file holds only the exports Tide's modules name (`z.string`…), as esbuild
 * would keep inline: the whole package is four times the size.
 *
 * `osls package` builds one function at a time, so each zip holds only its
 * function's packages; a build of several functions at once (the local
 * stack's) shares one `<pkg>.cjs` between them.
 */
const SEPARATE = new Set(['zod']);

const lazyPackages = {
  name: 'lazy-packages',
  setup(esbuild) {
    const options = esbuild.initialOptions;
    const entries = Array.isArray(options.entryPoints)
      ? options.entryPoints.map((entry) => basename(typeof entry === 'string' ? entry : entry.out, extname(typeof entry === 'string' ? entry : entry.out)))
      : Object.keys(options.entryPoints ?? {});
    const extension = options.outExtension?.['.js'] ?? '.js';
    /** package → the file it is bundled into */
    const lazy = new Map();
    /** a package in SEPARATE → the modules that import it */
    const importers = new Map();
    const bare = /^(@[^./][^/]*\/)?[^./][^/]*$/;

    esbuild.onStart(() => {
      lazy.clear();
      importers.clear();
    });
    esbuild.onResolve({ filter: bare }, (args) => {
      if ((args.kind !== 'dynamic-import' && !SEPARATE.has(args.path)) || args.path.startsWith('node:') || args.importer.includes('/node_modules/')) return undefined;
      const name = `${args.path.replace(/^@/, '').replace(/\//g, '-')}${extension}`;
      const file = entries.length === 1 ? `${entries[0]}.${name}` : name;
      lazy.set(args.path, file);
      if (SEPARATE.has(args.path)) importers.set(args.path, (importers.get(args.path) ?? new Set()).add(args.importer));
      return { path: `./${file}`, namespace: 'lazy-package' };
    });
    // esbuild would keep an `import()` of an external file, and Node's import() of a bundle finds only its
    // default export; a require() in a module of its own hands over every export, and runs at the import.
    esbuild.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    esbuild.onResolve({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({ path: args.path, external: true }));
    esbuild.onEnd(async (result) => {
      if (result.errors.length > 0 || lazy.size === 0) return;
      const outdir = options.outdir ?? (options.outfile ? join(options.outfile, '..') : undefined);
      if (!outdir) return { errors: [{ text: 'lazy-packages needs outdir or outfile' }] };
      const { entryPoints: _entries, outdir: _outdir, outfile: _outfile, outExtension: _extension, plugins: _plugins, metafile: _metafile, ...shared } = options;
      await mkdir(outdir, { recursive: true });
      const resolveDir = options.absWorkingDir ?? process.cwd();
      await Promise.all(
        [...lazy].map(async ([pkg, file]) => {
          const names = importers.has(pkg) ? await namedExports(pkg, importers.get(pkg), resolveDir) : undefined;
          await writeFile(join(outdir, file), await bundlePackage(pkg, shared, names));
        }),
      );
    });
  },
};

/**
 * The exports of `pkg` that its importers name, as `import * as z from 'zod'` then `z.string` (or
 * `z` and `.string` on the next line), or `import { string } from 'zod'`: those the package has at
 * run time (z.infer is a type). Undefined, for the whole package, when an importer takes it in
 * any other way (a default import, a require).
 */
async function namedExports(pkg, files, resolveDir) {
  const exported = new Set(Object.keys(require(require.resolve(pkg, { paths: [resolveDir] }))));
  const names = new Set();
  const from = `from '${pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`;
  for (const file of files) {
    const source = await readFile(file, 'utf8');
    const imports = [...source.matchAll(new RegExp(`import\\s+([^;]*?)\\s*${from}`, 'g'))].map(([, what]) => what);
    for (const what of imports) {
      const namespace = /^\* as (\w+)$/.exec(what);
      const named = /^(type\s+)?\{([^}]*)\}$/.exec(what);
      if (namespace) {
        for (const [, name] of source.matchAll(new RegExp(`\\b${namespace[1]}\\s*\\.\\s*(\\w+)`, 'g'))) if (exported.has(name)) names.add(name);
      } else if (named) {
        if (named[1]) continue;
        for (const item of named[2].split(',')) {
          const name = item.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0];
          if (exported.has(name)) names.add(name);
        }
      } else return undefined;
    }
    if (imports.length === 0) return undefined;
  }
  return [...names].sort();
}

/** Each package's bundle, built once per process however many functions load it. */
const bundled = new Map();

/** The package's bundle: the whole package, or only the exports named. */
function bundlePackage(pkg, options, names) {
  const key = JSON.stringify([pkg, options, names]);
  let contents = bundled.get(key);
  if (!contents) {
    const entry = names ? `export { ${names.join(', ')} } from ${JSON.stringify(pkg)};` : `module.exports = require(${JSON.stringify(pkg)});`;
    contents = build({
      ...options,
      stdin: { contents: entry, resolveDir: options.absWorkingDir ?? process.cwd(), sourcefile: `${pkg} (lazy)` },
      write: false,
      // The SDK's own code: a source map would double the zip for stack frames that never show Tide's code.
      sourcemap: false,
    }).then((result) => result.outputFiles[0].contents);
    bundled.set(key, contents);
  }
  return contents;
}

module.exports = [lazyPackages];
