/** The admin API as the CLI sees it: a base URL, a token, JSON in and out. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(describe(status, body));
  }
}

function describe(status: number, body: unknown): string {
  const error = (body as { error?: { message?: string; details?: Array<{ path: string; message: string }> } } | undefined)?.error;
  if (!error) return `HTTP ${status}`;
  const details = (error.details ?? []).map((d) => `\n  ${d.path || '(body)'}: ${d.message}`).join('');
  return `${error.message ?? `HTTP ${status}`}${details}`;
}

export interface Api {
  request(method: string, path: string, body?: unknown): Promise<unknown>;
}

export function createApi(baseUrl: string, token: string, call: typeof fetch = fetch): Api {
  return {
    async request(method, path, body) {
      const response = await call(`${baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const parsed: unknown = text ? JSON.parse(text) : undefined;
      if (!response.ok) throw new ApiError(response.status, parsed);
      return parsed;
    },
  };
}
