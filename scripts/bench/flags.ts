import { parseArgs } from 'node:util';

/**
 * A bench's flags: `counts` are positive integers (`--runs 5`), `switches` booleans (`--plain`),
 * each with its default. A count that is not a positive integer ends the bench with exit code 2,
 * naming the flag.
 */
export function benchFlags<C extends string, S extends string = never>(counts: Record<C, number>, switches = {} as Record<S, boolean>): Record<C, number> & Record<S, boolean> {
  const options: Record<string, { type: 'string'; default: string } | { type: 'boolean'; default: boolean }> = Object.fromEntries([
    ...Object.entries<number>(counts).map(([name, value]) => [name, { type: 'string' as const, default: String(value) }]),
    ...Object.entries<boolean>(switches).map(([name, value]) => [name, { type: 'boolean' as const, default: value }]),
  ]);
  const values = parseArgs({ options }).values as Record<string, string | boolean | undefined>;
  const flags: Record<string, number | boolean> = {};
  for (const name of Object.keys(counts)) {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < 1) {
      console.error(`--${name} must be a positive integer`);
      process.exit(2);
    }
    flags[name] = value;
  }
  for (const name of Object.keys(switches)) flags[name] = values[name] === true;
  return flags as Record<C, number> & Record<S, boolean>;
}

/** The fastest, median and slowest of timings in milliseconds, rounded to whole ones. */
export function spread(ms: number[]): { min: number; median: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { min: Math.round(sorted[0] ?? 0), median: Math.round(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0), max: Math.round(sorted.at(-1) ?? 0) };
}
