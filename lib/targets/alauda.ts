import * as z from 'zod';
import { secretReference } from '../secretReference';
import { apiUrl, pathSegment } from './fields';

/** A service on Alauda (lib/providers/alauda.ts). */
export const alaudaTarget = z.strictObject({
  provider: z.literal('alauda'),
  /** The API root, e.g. https://api.alauda.cn. */
  url: apiUrl,
  /** The user or organisation owning the service. */
  namespace: pathSegment('madams'),
  serviceName: pathSegment('test'),
  /** Names the secret holding the API token. */
  credentials: secretReference,
});

export type AlaudaTarget = z.output<typeof alaudaTarget>;
