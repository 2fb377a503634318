import * as z from 'zod';
import { secretReference } from '../secretReference';
import { isSecureUrl } from './fields';

const RULE = {
  apiServer: 'must be an https:// URL of the API server (http:// only on localhost or 127.0.0.1), without a user, password or query',
  namespace: 'must be a Kubernetes namespace name (lowercase letters, digits and -, at most 63)',
  name: 'must be a Kubernetes object name (lowercase letters, digits, - and ., at most 253)',
  kind: 'must be Deployment or StatefulSet',
  insecure: 'must be false: Tide will not send its token to an API server it cannot verify; name its CA in caCertificate',
};

/** A Deployment or StatefulSet, scaled through its scale subresource (lib/providers/kubernetes.ts). */
export const kubernetesTarget = z.strictObject({
  provider: z.literal('kubernetes'),
  apiServer: z.string({ error: RULE.apiServer }).refine(isSecureUrl, { error: RULE.apiServer }),
  namespace: z
    .string({ error: RULE.namespace })
    .max(63, { error: RULE.namespace })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: RULE.namespace }),
  kind: z.enum(['Deployment', 'StatefulSet'], { error: RULE.kind }),
  name: z
    .string({ error: RULE.name })
    .max(253, { error: RULE.name })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: RULE.name }),
  /** A secret holding a bearer token, such as a ServiceAccount's. */
  credentials: secretReference,
  /** A secret holding the PEM CA that signed the API server's certificate; without it, Node's trusted CAs. */
  caCertificate: secretReference.optional(),
  insecureSkipTlsVerify: z.literal(false, { error: RULE.insecure }).default(false),
});

export type KubernetesTarget = z.output<typeof kubernetesTarget>;
