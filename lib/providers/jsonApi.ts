import { parseDuration } from '../duration';
import type { HttpCall } from './http';
import { excerpt, shownUrl, unanswered } from './messages';

// What the providers for REST/JSON platforms (occs, alauda) share: their API
// paths, and one call with a timeout whose failures read well in a
// scaling event. Messages name the method and the URL without its query, never
// a header, and quote the answer only with the token scrubbed out of it.

/** The API root with `path` appended, keeping any path prefix the root has (a proxy's, say). */
export function apiPath(root: string, path: string): string {
  const url = new URL(root);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url.toString();
}

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

/** The answer's parsed JSON body; throws ApiCallError saying what went wrong on anything but a 2xx JSON answer. */
export async function callJson(call: HttpCall, request: JsonRequest): Promise<unknown> {
  const where = `${request.method} ${shownUrl(request.url)}`;
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'tide' };
  if (request.authorization !== undefined) headers.authorization = request.authorization;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await call(request.url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(parseDuration(request.timeout)),
    });
  } catch (error) {
    throw new ApiCallError(`${where} did not answer: ${unanswered(error, request.timeout)}`, { cause: error });
  }
  // Read the body even on a refusal: it frees the connection, and it says why.
  const text = await response.text().catch(() => '');
  // The header as sent, and the token in it: a platform may echo either back.
  const sent = request.authorization === undefined ? [] : [request.authorization, request.authorization.replace(/^\S+\s+/, '')];
  const quoted = (max?: number) => (request.secretBodies ? '' : excerpt(text, sent, max));
  if (!response.ok) {
    const start = quoted();
    throw new ApiCallError(`${where} answered ${[response.status, response.statusText, start && `(${start})`].filter(Boolean).join(' ')}`, {
      status: response.status,
    });
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const start = quoted(80);
    throw new ApiCallError(`${where} answered ${response.status} with a body that is not JSON${start && ` (${start})`}`, { status: response.status });
  }
}

