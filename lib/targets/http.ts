import * as z from 'zod';
import { secretReference } from '../secretReference';
import { callTimeout, webUrl } from './fields';

/** SPEC.md's generic outgoing webhook, for platforms Tide has no provider for (lib/providers/http.ts). */
export const httpTarget = z.strictObject({
  provider: z.literal('http'),
  // A query is where webhook URLs keep their secret (?code=, ?sig=): stored, shown and logged with the URL.
  url: webUrl.refine((text) => !new URL(text).search, { error: 'must not carry a query string; name the secret in credentials, which signs each request' }),
  credentials: secretReference.optional(),
  timeout: callTimeout('5s'),
});

export type HttpTarget = z.output<typeof httpTarget>;
