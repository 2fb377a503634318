import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { addressRefusal, hostRefusal, type TargetGuard } from '../targets/addresses';

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
