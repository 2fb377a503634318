import * as z from 'zod';
import { ValidationError } from '../errors';
import { namespaceName, resourceName } from '../names';
import { hostPoolTargetSchema } from '../targets/hosts';
import type { HostPoolDocument } from '../store/hostPools';
import { problemsOf, requireSameNames } from '../validation';

const LABEL_NAME = 'must be 1-128 characters of A-Z a-z 0-9 _ . / -';
const MAX_LABELS = 20;
const COUNT = 'must be a whole number >= 0';

/** Host labels as Rancher put them on hosts, and as a receiver's hostSelector names them. */
const hostLabels = z
  .record(
    z.string().regex(/^[A-Za-z0-9_./-]{1,128}$/, { error: LABEL_NAME }),
    z.string({ error: 'must be a string' }).max(256, { error: 'must be at most 256 characters' }),
    { error: 'must be an object of label names and values' },
  )
  .refine((labels) => Object.keys(labels).length >= 1 && Object.keys(labels).length <= MAX_LABELS, {
    error: `must have 1 to ${MAX_LABELS} labels`,
  });

const count = z.number({ error: COUNT }).int({ error: COUNT }).min(0, { error: COUNT });

export const hostPoolDocumentSchema = z
  .strictObject({
    pool: resourceName.optional(),
    namespace: namespaceName.optional(),
    labels: hostLabels,
    min: count,
    max: count.refine((n) => n >= 1, { error: 'must be >= 1' }),
    target: hostPoolTargetSchema,
  })
  .superRefine((doc, ctx) => {
    if (doc.min > doc.max) ctx.addIssue({ code: 'custom', path: ['min'], message: 'min must not exceed max' });
  });

/** A PUT body, or a 400 naming every problem; `pool` and `namespace`, when given, must match the path and query. */
export function parseHostPoolDocument(body: unknown, pool: string, namespace: string): HostPoolDocument {
  const result = hostPoolDocumentSchema.safeParse(body);
  if (!result.success) throw new ValidationError(problemsOf(result.error));
  const { pool: named, namespace: namedNamespace, ...document } = result.data;
  requireSameNames([
    { path: 'pool', given: named, expected: pool, where: 'path' },
    { path: 'namespace', given: namedNamespace, expected: namespace, where: 'namespace query' },
  ]);
  return document;
}
