// Checks of URLs without zod: the evaluator's CloudWatch source asks isLoopbackUrl, and a schema
// module would load zod with it.

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `localhost`, 127.0.0.1 or [::1]: a local fake, emulator or proxy. */
export function isLoopbackUrl(text: string): boolean {
  return LOOPBACK.has(new URL(text).hostname);
}

/** An https:// URL, or http:// on loopback (a local fake, `kubectl proxy`), with no user, password, query or fragment. */
export function isSecureUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  if (url.username || url.password || url.search || url.hash) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(text));
}
