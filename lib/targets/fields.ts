import * as z from 'zod';
import { parseDuration } from '../duration';
import { positiveDurationString } from '../durationSchema';

export { isLoopbackUrl, isSecureUrl } from './urls';

// Field rules more than one platform's target shares.

const WEB_URL_RULE = 'must be an http:// or https:// URL';
const MAX_TIMEOUT_MS = 60_000;

/** An http:// or https:// URL without a user or password: a password there would be a secret stored in the document. */
export const webUrl = z
  .string({ error: WEB_URL_RULE })
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), { error: WEB_URL_RULE, abort: true })
  .refine((text) => !new URL(text).username && !new URL(text).password, {
    error: 'must not carry a user or password; name the secret in credentials',
  });

/** A REST platform's API root, e.g. `https://api.alauda.cn`; paths are appended to it. */
export const apiUrl = webUrl.refine((text) => !new URL(text).search && !new URL(text).hash, {
  error: 'must not carry a query or fragment; Tide appends the API path',
});

/** One segment of an API path (a namespace, a deployment id): it is encoded, but a "/" would still mean something else. */
export function pathSegment(example: string) {
  const rule = `must be a name such as "${example}", without "/", "?", "#" or spaces`;
  return z.string({ error: rule }).regex(/^[^\s/?#]+$/, { error: rule });
}

/** How long each call to the platform may take, at most a minute. */
export function callTimeout(byDefault: string) {
  return positiveDurationString
    .refine((text) => parseDuration(text) <= MAX_TIMEOUT_MS, { error: `must be at most ${MAX_TIMEOUT_MS / 1000}s` })
    .default(byDefault);
}
