import * as z from 'zod';
import { secretReference } from '../secretReference';
import { apiUrl, pathSegment } from './fields';

const SERVICE_NAME_RULE = 'must name a service of the deployment, such as "redis"';

/** A service of an Oracle Container Cloud deployment (lib/providers/occs.ts). */
export const occsTarget = z.strictObject({
  provider: z.literal('occs'),
  /** The manager node, e.g. https://140.86.1.119. */
  url: apiUrl,
  deploymentId: pathSegment('Redis-20170923-175443'),
  /** The service's key in the deployment's quantities. */
  serviceName: z.string({ error: SERVICE_NAME_RULE }).min(1, { error: SERVICE_NAME_RULE }),
  /** Names the secret holding the API bearer token, or {"username", "password"} to log in with. */
  credentials: secretReference,
});

export type OccsTarget = z.output<typeof occsTarget>;
