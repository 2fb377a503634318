import * as z from 'zod';
import { secretReference } from '../secretReference';
import { callTimeout } from './fields';

const ENDPOINT_RULE = 'must be a Docker endpoint: unix:///path/to/docker.sock, tcp://host:2376 (TLS), tcp://host:2375, https:// or http://';
const SERVICE_RULE = 'must be a Swarm service ID or name';
/** Docker's plain-HTTP port; any other tcp:// port speaks TLS, 2376 when none is given. */
const PLAIN_PORT = '2375';
const TLS_PORT = '2376';
const UNIX = 'unix://';

/** A Docker Swarm service, through a manager's Engine API (lib/providers/swarm.ts). */
export const swarmTarget = z
  .strictObject({
    provider: z.literal('swarm'),
    endpoint: z
      .string({ error: ENDPOINT_RULE })
      .refine(
        (text) => socketPathOf(text) !== undefined || (URL.canParse(text) && /^(tcp|https?):$/.test(new URL(text).protocol) && new URL(text).hostname !== ''),
        { error: ENDPOINT_RULE, abort: true },
      )
      .refine((text) => socketPathOf(text) !== undefined || (!new URL(text).username && !new URL(text).password), {
        error: 'must not carry a user or password; name the TLS client certificate in credentials',
      }),
    serviceId: z.string({ error: SERVICE_RULE }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: SERVICE_RULE }),
    credentials: secretReference.optional(),
    timeout: callTimeout('10s'),
  })
  // The socket's file permissions are its access control: there is no TLS to present a certificate in.
  .refine((target) => !target.credentials || socketPathOf(target.endpoint) === undefined, {
    path: ['credentials'],
    error: 'must be left out for a unix socket, which takes no client certificate',
    abort: true,
  })
  // A client certificate sent over plain HTTP would authenticate nothing and travel in the clear.
  .refine((target) => !target.credentials || !URL.canParse(target.endpoint) || engineUrl(target.endpoint).protocol === 'https:', {
    path: ['credentials'],
    error: 'needs a TLS endpoint (https://, or tcp:// on a port other than 2375)',
  });

export type SwarmTarget = z.output<typeof swarmTarget>;

/** The path of a `unix:///path` endpoint, taken literally as the Docker CLI takes DOCKER_HOST; undefined for any other endpoint. */
export function socketPathOf(endpoint: string): string | undefined {
  return endpoint.startsWith(`${UNIX}/`) && endpoint.length > UNIX.length + 1 ? endpoint.slice(UNIX.length) : undefined;
}

/** `tcp://` as the Docker CLI reads it: TLS on 2376 (also when no port is given), plain HTTP on 2375. */
export function engineUrl(endpoint: string): URL {
  const url = new URL(endpoint);
  if (url.protocol !== 'tcp:') return url;
  const port = url.port || TLS_PORT;
  return new URL(`${port === PLAIN_PORT ? 'http' : 'https'}://${url.hostname}:${port}`);
}
