import { expect } from 'vitest';
import type { z } from 'zod';
import { problemsOf } from '../../lib/validation';
import type { Answer } from './client';

/** What a schema says of an input, as "path: message" lines, the way the API reports them; [] when it parses. */
export function problemLines(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : problemsOf(result.error).map((p) => `${p.path}: ${p.message}`);
}

/** The API's refusal of a field: a 400 validation_failed whose details name `path` with a message matching `message`. */
export function expectFieldRefused(answer: Answer, path: string, message: RegExp): void {
  expect(answer.status).toBe(400);
  expect(answer.body.error.code).toBe('validation_failed');
  const detail = answer.body.error.details.find((d: { path: string }) => d.path === path);
  expect(detail, JSON.stringify(answer.body.error.details)).toBeDefined();
  expect(detail.message).toMatch(message);
}
