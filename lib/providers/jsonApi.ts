import { answered, excerpt, shownUrl } from './messages';
import type { ProviderError } from './provider';
import type { PlatformClient } from './transport';

// What the providers for REST/JSON platforms (occs, alauda) share: their API
// paths, and one call whose failures read well in a scaling event. Messages
// name the method and the URL without its query, never a header, and quote
// the answer only with the token scrubbed out of it.

/** The API root with `path` appended, keeping any path prefix the root has (a proxy's, say). */
export function apiPath(root: string, path: string): string {
  const url = new URL(root);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url.toString();
}

/** The platform answered, but not with a 2xx JSON body. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  /** The status the platform answered, when it answered: a 401 tells a caller its token was refused. */
  readonly status: number | undefined;
  constructor(message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.status = options?.status;
  }
}

export interface JsonRequest {
  method: 'GET' | 'PUT' | 'POST';
  url: string;
  /** The Authorization header; a login call has none. */
  authorization?: string;
  body?: unknown;
  /** A duration string, so a timeout's message says what was configured. */
  timeout: string;
  /** The call sends a password or answers a token: its messages quote no body, in case one echoes them. */
  secretBodies?: boolean;
}

/**
 * The answer's parsed JSON body. Throws ApiCallError saying what went wrong on
 * anything but a 2xx JSON answer, and the platform's ProviderError when nothing answered.
 */
export async function callJson(platform: PlatformClient, operation: ProviderError['operation'], request: JsonRequest): Promise<unknown> {
  const where = `${request.method} ${shownUrl(request.url)}`;
  const answer = await platform.send(operation, where, {
    method: request.method,
    url: request.url,
    ...(request.authorization === undefined ? {} : { headers: { authorization: request.authorization } }),
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    timeout: request.timeout,
  });
  // The header as sent, and the token in it: a platform may echo either back.
  const sent = request.authorization === undefined ? [] : [request.authorization, request.authorization.replace(/^\S+\s+/, '')];
  const quoted = (max?: number) => (request.secretBodies ? '' : excerpt(answer.text, sent, max));
  if (!answer.ok) {
    throw new ApiCallError(`${where} ${answered(answer, quoted())}`, { status: answer.status });
  }
  if (answer.text.trim() === '') return undefined;
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    const start = quoted(80);
    throw new ApiCallError(`${where} answered ${answer.status} with a body that is not JSON${start && ` (${start})`}`, { status: answer.status });
  }
}
