/** The admin API as the CLI sees it: a base URL, a token, JSON in and out. */
import { excerpt, safeJson, shownUrl } from '../lib/providers/messages';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(describe(status, body));
  }
}

/** The API gave no answer Tide would give: nothing listens there, or something other than Tide does. */
export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

function describe(status: number, body: unknown): string {
  const error = (body as { error?: { message?: string; details?: Array<{ path: string; message: string }> } } | undefined)?.error;
  if (!error) return `HTTP ${status}`;
  const details = (error.details ?? []).map((d) => `\n  ${d.path || '(body)'}: ${d.message}`).join('');
  return `${error.message ?? `HTTP ${status}`}${details}`;
}

/** The base URL, and where it came from (TIDE_URL, the state dir's url file, or the default), for messages. */
export interface ApiUrl {
  url: string;
  from: string;
}

const PLAIN_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
};

/** fetch says only "fetch failed"; the network error's code is in its cause. */
function whyUnanswered(error: unknown): string {
  const { cause, message } = error as { cause?: { code?: unknown; message?: unknown }; message?: unknown };
  const detail = [cause?.code, cause?.message, message].find((d): d is string => typeof d === 'string' && d !== '');
  return detail === undefined ? String(error) : (PLAIN_WORDS[detail] ?? detail);
}

export interface Api {
  request(method: string, path: string, body?: unknown): Promise<unknown>;
}

export function createApi({ url, from }: ApiUrl, token: string, call: typeof fetch = fetch): Api {
  const base = url.replace(/\/$/, '');
  const shown = shownUrl(url).replace(/\/$/, '');
  const origin = from === 'the default' ? '' : `, from ${from}`;
  const hint = from === 'TIDE_URL' ? 'is Tide running there? check TIDE_URL' : 'is `npm start` running? set TIDE_URL to choose another';
  return {
    async request(method, path, body) {
      let response: Response;
      try {
        response = await call(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new UnreachableError(`cannot reach Tide at ${shown} (${whyUnanswered(error)}${origin}): ${hint}`);
      }
      const text = await response.text();
      const parsed = text ? safeJson(text) : undefined;
      if (text && parsed === undefined) {
        throw new UnreachableError(`${shown} answered ${method} ${path.split('?')[0]} with HTTP ${response.status} and no JSON ("${excerpt(text, [], 80)}"${origin}): ${hint}`);
      }
      if (!response.ok) throw new ApiError(response.status, parsed);
      return parsed;
    },
  };
}
