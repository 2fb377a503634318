/**
 * docs/COST.md's bills are the calculator's answers as written: each `npm run cost` block is run
 * as it stands (against lib/cost/measured.json), and its output must be the text block after it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(root, 'docs', 'COST.md'), 'utf8');
/** Each ```sh block holding one `npm run cost` command, with the ```text block right after it. */
const examples = [...doc.matchAll(/```sh\n(npm run cost -- [^\n]*)\n```\n+```text\n([\s\S]*?)```/g)].map((m) => ({ command: m[1] ?? '', output: m[2] ?? '' }));

describe('docs/COST.md', () => {
  it('shows bills at 1,000 and 100,000 containers', () => {
    expect(examples.map((e) => e.command)).toEqual(expect.arrayContaining([expect.stringContaining('--containers 1000 '), expect.stringContaining('--containers 100000 ')]));
  });

  it.each(examples)('prints what `$command` answers', async ({ command, output }) => {
    const { stdout } = await promisify(execFile)('bash', ['-c', command], { cwd: root, env: { ...process.env, npm_config_loglevel: 'silent' } });
    expect(stdout.trim()).toBe(output.trim());
  });
});
