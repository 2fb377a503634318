// What providers put in error messages: enough to act on, never a secret.

/** The URL as messages may show it: no user, password, query or fragment, where tokens tend to hide. */
export function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** The start of a body, on one line: enough to tell "maintenance" from a stack trace. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** The body as JSON, or undefined when it is not. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Why a call got no answer: a timeout, or the network error's code or message.
 * fetch says only "fetch failed" and keeps the useful part (ECONNREFUSED,
 * ENOTFOUND…) in its cause; node:http puts it in the error's own code.
 */
export function unanswered(error: unknown, timeout: string): string {
  const { name, code, message, cause } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${timeout}`;
  for (const detail of [cause?.code, cause?.message, code, message]) if (typeof detail === 'string' && detail) return detail;
  return String(error);
}
