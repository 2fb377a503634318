/**
 * The README's shell examples as one bash script, run as a reader would run
 * them one after the other in one terminal. A block may say how it is run
 * with an HTML comment on the line before its fence:
 * - `<!-- readme-test: background -->`: a command that runs until stopped (a
 *   platform, the agent); it runs in the background, its output kept in a file,
 *   and gets SIGTERM once every other block has run (or one failed).
 * - `<!-- readme-test: skip (why) -->`: not run; the why says what the test
 *   does instead (it starts the stack itself, for example).
 * Every curl fails the script on an HTTP error (`--fail-with-body`).
 */
import { readFileSync } from 'node:fs';

export interface Block {
  /** 1-based line of the opening fence in README.md. */
  line: number;
  mode: 'run' | 'background' | 'skip';
  code: string;
}

export function shellBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash)\s*$/.test(lines[i] ?? '')) continue;
    const marker = /^<!-- readme-test: (background|skip)\b/.exec(lines[i - 1] ?? '')?.[1] as Block['mode'] | undefined;
    const start = i;
    const code: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) code.push(lines[i] ?? '');
    blocks.push({ line: start + 1, mode: marker ?? 'run', code: code.join('\n') });
  }
  return blocks;
}

/** The bash script for `blocks`; background output goes to `logDir/block-LINE.log`. */
export function readmeScript(blocks: readonly Block[], logDir: string): string {
  const parts = [
    'set -euo pipefail',
    'curl() { command curl --fail-with-body "$@"; }',
    'started=()',
    // Whether the examples ran through or one failed, what runs in the background stops as Ctrl-C would stop it.
    'trap \'for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait\' EXIT',
  ];
  for (const block of blocks) {
    if (block.mode === 'skip') continue;
    parts.push(`echo '::: README.md:${block.line}'`);
    if (block.mode === 'run') {
      parts.push(block.code);
      continue;
    }
    const command = block.code
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'))
      .join(' ');
    const log = `${logDir}/block-${block.line}.log`;
    // The command itself is the background job, so SIGTERM reaches it and not a wrapping shell.
    parts.push(
      `${command} > '${log}' 2>&1 &`,
      'started+=($!)',
      `for _ in $(seq 200); do [ -s '${log}' ] && break; sleep 0.05; done`,
    );
  }
  return parts.join('\n');
}

export function readmeBlocks(path: string): Block[] {
  return shellBlocks(readFileSync(path, 'utf8'));
}
