/**
 * The bundles' lazy packages (scripts/esbuildPlugins.cjs): a package the code
 * loads only with `await import()` is a file of its own beside the function's
 * bundle, not parsed at a cold start, with every export there at the import;
 * zod is a file of its own however it is imported, holding what the code names.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunctions } from '../../scripts/local/lambda';
import { declaredConfig, type LocalFunction } from '../../scripts/local/serverlessConfig';

const root = join(import.meta.dirname, '..', '..');
let dir: string;
let bundle: string;
let schemas: string;

beforeAll(async () => {
  // A function of the project's own, as serverless.yml's custom.esbuild builds it, plugins included.
  dir = mkdtempSync(join(root, '.lazy-packages-test-'));
  writeFileSync(
    join(dir, 'probe.ts'),
    `export const handler = async () => { const sdk = await import('@aws-sdk/client-lambda'); return { client: typeof sdk.LambdaClient, command: typeof sdk.InvokeCommand }; };`,
  );
  // A schema module loaded at the first call, as the evaluator's stored policies parsed again.
  writeFileSync(join(dir, 'schema.ts'), `import * as z from 'zod';\nexport const replicas = z\n  .number()\n  .int()\n  .min(0);\n`);
  writeFileSync(join(dir, 'schemas.ts'), `export const handler = async (input: unknown) => (await import('./schema')).replicas.safeParse(input).success;`);
  const config = declaredConfig(root);
  const fn = (name: string): LocalFunction => ({ ...(config.functions[0] as LocalFunction), name, source: join(dir.slice(root.length + 1), `${name}.ts`) });
  bundle = (await bundleFunctions(root, { ...config, functions: [fn('probe')] }, join(dir, 'out'))).get('probe') as string;
  schemas = (await bundleFunctions(root, { ...config, functions: [fn('schemas')] }, join(dir, 'schemas'))).get('schemas') as string;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a package loaded with await import()', () => {
  it('is bundled into a file of its own beside the function, not into the function', () => {
    expect(readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.cjs')).sort()).toEqual(['probe.aws-sdk-client-lambda.cjs', 'probe.cjs']);
    // The Lambda client is about 500 KiB minified; the function alone, a few.
    expect(statSync(bundle).size).toBeLessThan(20 * 1024);
  });

  it('hands over every export when the import runs, and not before', () => {
    const script = `const loaded = () => Object.keys(require.cache).filter((f) => f.includes('client-lambda')).length;
      const { handler } = require(process.argv[1]); const before = loaded();
      handler().then((answer) => console.log(JSON.stringify({ before, after: loaded(), ...answer })));`;
    const answer = JSON.parse(execFileSync(process.execPath, ['-e', script, bundle], { encoding: 'utf8' }));
    expect(answer).toEqual({ before: 0, after: 1, client: 'function', command: 'function' });
  });
});

describe('zod', () => {
  it('is a file of its own beside the function, holding only the exports the code names', () => {
    expect(readdirSync(join(dir, 'schemas')).filter((f) => f.endsWith('.cjs')).sort()).toEqual(['schemas.cjs', 'schemas.zod.cjs']);
    expect(statSync(schemas).size).toBeLessThan(10 * 1024);
    // The whole package is about 450 KiB minified.
    expect(statSync(join(dir, 'schemas', 'schemas.zod.cjs')).size).toBeLessThan(150 * 1024);
  });

  it('is loaded by the first module that runs a schema, and not before', () => {
    const script = `const loaded = () => Object.keys(require.cache).filter((f) => f.endsWith('zod.cjs')).length;
      const { handler } = require(process.argv[1]); const before = loaded();
      Promise.all([handler(3), handler(-1)]).then((answers) => console.log(JSON.stringify({ before, after: loaded(), answers })));`;
    const answer = JSON.parse(execFileSync(process.execPath, ['-e', script, schemas], { encoding: 'utf8' }));
    expect(answer).toEqual({ before: 0, after: 1, answers: [true, false] });
  });
});
