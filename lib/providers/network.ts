import { promises as dns, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressRefusal, hostRefusal, type TargetGuard } from './addresses';
import type { HttpCall } from './http';

// Connections to targets that go only where the guard allows. The check runs
// on the addresses the host resolves to at call time, and the connection goes
// to the very address checked: node's `lookup` hook hands the socket the
// checked answer, so a name that resolves elsewhere a moment later (DNS
// rebinding) is never looked up a second time.

export class TargetRefusedError extends Error {
  override readonly name = 'TargetRefusedError';
}

/** A host name to its addresses: the system resolver in production; tests answer without DNS. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** Bodies past this are not a scale API's answer; reading on would only hold memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Options for node:http(s) and net that connect to `hostname` only where the
 * guard allows; throws TargetRefusedError at once for a refused name or
 * literal address (net resolves neither through `lookup`).
 */
export function guardedConnection(hostname: string, guard: TargetGuard, resolve: Resolve = systemResolve): { lookup: LookupFunction } {
  const refused = hostRefusal(hostname, guard);
  if (refused) throw new TargetRefusedError(`Tide does not connect there: ${refused}`);
  return { lookup: guardedLookup(guard, resolve) };
}

/** dns.lookup's shape: every address the name resolves to must pass, and only those are handed to the socket. */
export function guardedLookup(guard: TargetGuard, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const addresses = options.family === 4 || options.family === 6 ? found.filter((a) => a.family === options.family) : found;
        const refused = found.map((a) => addressRefusal(a.address, hostname, guard)).find((why) => why !== undefined);
        const first = addresses[0];
        if (refused) callback(new TargetRefusedError(`Tide does not connect there: ${refused}`), '', 0);
        else if (!first) callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        else if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/**
 * fetch's shape over node:http(s), connecting only where the guard allows.
 * A redirect is an answer like any other, never followed: following it would
 * take the credentials to a host nobody checked.
 */
export function guardedFetch(guard: TargetGuard, resolve: Resolve = systemResolve): HttpCall {
  return (url, init) =>
    new Promise<Response>((resolveAnswer, reject) => {
      const target = new URL(url);
      const body = typeof init.body === 'string' ? init.body : undefined;
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      // First, so a timeout reads as one (AbortSignal.timeout's TimeoutError) whatever it interrupts.
      init.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
      try {
        const outgoing = send(target, { method: init.method ?? 'GET', headers, agent: false, ...(init.signal ? { signal: init.signal } : {}), ...guardedConnection(target.hostname, guard, resolve) }, (incoming) => {
          const chunks: Buffer[] = [];
          let size = 0;
          incoming.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) outgoing.destroy(new Error(`answered more than ${MAX_BODY_BYTES / 1024 / 1024} MiB`));
            else chunks.push(chunk);
          });
          incoming.on('end', () => {
            try {
              resolveAnswer(answer(incoming, Buffer.concat(chunks)));
            } catch (error) {
              reject(error);
            }
          });
          incoming.on('error', reject);
          incoming.on('close', () => {
            if (!incoming.complete) reject(new Error('the connection closed before the answer ended'));
          });
        });
        outgoing.on('error', reject);
        outgoing.end(body);
      } catch (error) {
        reject(error);
      }
    });
}

/** The answer as fetch's Response; statuses that carry no body get none. */
function answer(incoming: IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  const status = incoming.statusCode ?? 0;
  const empty = status === 204 || status === 205 || status === 304;
  return new Response(empty ? null : new Uint8Array(body), { status, statusText: incoming.statusMessage ?? '', headers });
}
