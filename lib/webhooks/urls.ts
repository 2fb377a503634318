import { header, type HttpEvent } from '../http/types';

const DEFAULT_PORTS = new Set(['80', '443']);

/**
 * Where the caller reached the API, as Rancher's URL builder works it out:
 * X-Forwarded-Proto, then X-Forwarded-Host or Host, with X-Forwarded-Port
 * unless it is a default port; without X-Forwarded-Proto, http:// and the
 * Host header (or the API's own domain). A stage prefix in the path
 * (`/prod/v1-webhooks/...`) is kept, so the links work behind any stage.
 */
export function apiBase(event: HttpEvent): string {
  const at = event.rawPath.indexOf('/v1-webhooks');
  const prefix = at > 0 ? event.rawPath.slice(0, at) : '';
  const host = forwarded(event, 'host') ?? event.requestContext.domainName;
  const proto = forwarded(event, 'x-forwarded-proto');
  if (!proto) return `http://${host}${prefix}`;
  let base = forwarded(event, 'x-forwarded-host') ?? host;
  const port = forwarded(event, 'x-forwarded-port');
  if (port && !DEFAULT_PORTS.has(port)) base = `${withoutPort(base)}:${port}`;
  return `${proto}://${base}${prefix}`;
}

/** The first value of a header proxies may have appended to ("a, b"). */
function forwarded(event: HttpEvent, name: string): string | undefined {
  return header(event, name)?.split(',')[0]?.trim() || undefined;
}

/** `host:8080` → `host`; `[::1]:8080` → `[::1]`; `[::1]` stays. */
function withoutPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon === -1 || host.endsWith(']')) return host;
  return host.slice(0, colon);
}

/** The trigger URL Rancher hands out: the key and the project in the query. */
export function triggerUrl(endpoint: string, key: string, projectId: string): string {
  return `${endpoint}?key=${key}&projectId=${encodeURIComponent(projectId)}`;
}

