// esbuild plugins for the functions' bundles, named by serverless.yml's
// custom.esbuild.plugins: `osls package` and the local stack
// (scripts/local/lambda.ts) both build with them. Plain CommonJS: the
// serverless-esbuild plugin require()s this file.
'use strict';
const { build } = require('esbuild');
const { mkdir, writeFile } = require('node:fs/promises');
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
 * `osls package` builds one function at a time, so each zip holds only its
 * function's packages; a build of several functions at once (the local
 * stack's) shares one `<pkg>.cjs` between them.
 */
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
    const bare = /^(@[^./][^/]*\/)?[^./][^/]*$/;

    esbuild.onStart(() => lazy.clear());
    esbuild.onResolve({ filter: bare }, (args) => {
      if (args.kind !== 'dynamic-import' || args.path.startsWith('node:') || args.importer.includes('/node_modules/')) return undefined;
      const name = `${args.path.replace(/^@/, '').replace(/\//g, '-')}${extension}`;
      const file = entries.length === 1 ? `${entries[0]}.${name}` : name;
      lazy.set(args.path, file);
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
      await Promise.all([...lazy].map(async ([pkg, file]) => writeFile(join(outdir, file), await bundlePackage(pkg, shared))));
    });
  },
};

/** Each package's bundle, built once per process however many functions load it. */
const bundled = new Map();

function bundlePackage(pkg, options) {
  const key = JSON.stringify([pkg, options]);
  let contents = bundled.get(key);
  if (!contents) {
    contents = build({
      ...options,
      stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: options.absWorkingDir ?? process.cwd(), sourcefile: `${pkg} (lazy)` },
      write: false,
      // The SDK's own code: a source map would double the zip for stack frames that never show Tide's code.
      sourcemap: false,
    }).then((result) => result.outputFiles[0].contents);
    bundled.set(key, contents);
  }
  return contents;
}

module.exports = [lazyPackages];
