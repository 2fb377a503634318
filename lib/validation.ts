import type { z } from 'zod';
import { ValidationError, type ProblemDetail } from './errors';

/** `['samples', 3, 'cpu_ratio']` → `samples[3].cpu_ratio`, the way SPEC.md names fields. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function problemsOf(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): ProblemDetail[] {
  return error.issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]),
    // A bad record key carries the key schema's own message one level down.
    message: issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message,
  }));
}

/** Parses or throws a 400 naming every field that breaks a rule. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(problemsOf(result.error), what);
  return result.data;
}

/** A name a body repeats from its path or query must agree with it; 400 naming each that does not. */
export function requireSameNames(checks: ReadonlyArray<{ path: string; given: string | undefined; expected: string; where: string }>): void {
  const problems = checks
    .filter((c) => c.given !== undefined && c.given !== c.expected)
    .map((c) => ({ path: c.path, message: `must match the ${c.where} (${c.expected})` }));
  if (problems.length > 0) throw new ValidationError(problems);
}
