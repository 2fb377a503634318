import * as z from 'zod';
import { ValidationError } from '../errors';
import { problemsOf } from '../validation';
import type { HttpEvent } from './types';

/**
 * A route's query string, checked by `schema`: a 400 names each parameter that
 * breaks its rule, and each the route does not take (a misspelt `namespce=`
 * would otherwise act on the default namespace, an unknown one be ignored).
 */
export function parseQuery<S extends z.ZodObject>(schema: S, event: HttpEvent): z.output<S> {
  const params = event.queryStringParameters ?? {};
  const known = Object.keys(schema.shape);
  const takes = known.length > 0 ? `this route takes ${known.join(', ')}` : 'this route takes none';
  const unknown = Object.keys(params)
    .filter((name) => !known.includes(name))
    .map((name) => ({ path: name, message: `is not a query parameter here: ${takes}` }));
  const result = schema.safeParse(params);
  const problems = [...unknown, ...(result.success ? [] : problemsOf(result.error))];
  if (problems.length > 0 || !result.success) throw new ValidationError(problems, 'query string');
  return result.data;
}

/** No query parameters at all. */
export const noQuery = z.object({});

/** A whole number in a query string: digits only (not "1e2", "0x10" or " 5"), from `min` to `max`. */
export function wholeNumberParam(min: number, max: number) {
  const rule = `must be a whole number from ${min} to ${max}`;
  return z
    .string({ error: rule })
    .regex(/^\d{1,15}$/, { error: rule, abort: true })
    .transform(Number)
    .pipe(z.number().min(min, { error: rule }).max(max, { error: rule }));
}
