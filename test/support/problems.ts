import type { z } from 'zod';
import { problemsOf } from '../../lib/validation';

/** What a schema says of an input, as "path: message" lines, the way the API reports them; [] when it parses. */
export function problemLines(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : problemsOf(result.error).map((p) => `${p.path}: ${p.message}`);
}
