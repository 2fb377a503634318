import * as z from 'zod';
import { secretReference } from '../secretReference';
import { callTimeout } from './fields';

const URL_RULE = 'must be the Rancher server as an http:// or https:// URL';
const PROJECT_ID_RULE = 'must be a Rancher 1.6 environment ID such as 1a5';
const SERVICE_ID_RULE = 'must be a Rancher 1.6 service ID such as 1s12';
const PROJECT_RULE = 'must be a Rancher 2.x project ID such as c-abc12:p-xyz34';
const WORKLOAD_RULE = 'must be a scalable Rancher 2.x workload ID: deployment:<namespace>:<name>, statefulset:…, replicaset:… or replicationcontroller:…';
const GENERATIONS = 'projectId and serviceId (Rancher 1.6) or project and workload (Rancher 2.x)';

const fields = z.strictObject({
  provider: z.literal('rancher'),
  url: z
    .string({ error: URL_RULE })
    .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), { error: URL_RULE, abort: true })
    .refine((text) => !new URL(text).username && !new URL(text).password && !new URL(text).search, {
      error: 'must carry no user, password or query; name the API key in credentials',
    }),
  credentials: secretReference.optional(),
  timeout: callTimeout('10s'),
  projectId: z.string({ error: PROJECT_ID_RULE }).regex(/^\d+a\d+$/, { error: PROJECT_ID_RULE }).optional(),
  serviceId: z.string({ error: SERVICE_ID_RULE }).regex(/^\d+s\d+$/, { error: SERVICE_ID_RULE }).optional(),
  project: z.string({ error: PROJECT_RULE }).regex(/^[a-z0-9-]+:p-[a-z0-9]+$/, { error: PROJECT_RULE }).optional(),
  workload: z
    .string({ error: WORKLOAD_RULE })
    .regex(/^(deployment|statefulset|replicaset|replicationcontroller):[a-z0-9.-]+:[a-z0-9.-]+$/, { error: WORKLOAD_RULE })
    .optional(),
});

interface Common {
  provider: 'rancher';
  url: string;
  credentials: string;
  timeout: string;
}
export interface Rancher16Target extends Common {
  projectId: string;
  serviceId: string;
}
export interface Rancher2Target extends Common {
  project: string;
  workload: string;
}
export type RancherTarget = Rancher16Target | Rancher2Target;

/**
 * A Rancher 1.6 service or 2.x workload (lib/providers/rancher.ts). One schema for
 * both generations: which pair of fields is present says which, and a missing half is named.
 */
export const rancherTarget = fields
  .superRefine((target, context) => {
    const old = { projectId: target.projectId, serviceId: target.serviceId };
    const current = { project: target.project, workload: target.workload };
    const uses = (pair: Record<string, string | undefined>) => Object.values(pair).some((value) => value !== undefined);
    const missing = (pair: Record<string, string | undefined>, generation: string) => {
      for (const [name, value] of Object.entries(pair)) {
        if (value === undefined) context.addIssue({ code: 'custom', path: [name], message: `is required for Rancher ${generation}` });
      }
    };
    if (uses(old) && uses(current)) context.addIssue({ code: 'custom', path: [], message: `must name either ${GENERATIONS}, not both` });
    else if (uses(old)) missing(old, '1.6, with projectId and serviceId');
    else if (uses(current)) missing(current, '2.x, with project and workload');
    else context.addIssue({ code: 'custom', path: [], message: `must name ${GENERATIONS}` });
    if (target.credentials === undefined) {
      const secret = uses(current) ? 'the API token (token-xxxxx:yyyy)' : 'the API key (accessKey:secretKey)';
      context.addIssue({ code: 'custom', path: ['credentials'], message: `must name the secret holding ${secret}` });
    }
  })
  .transform(({ provider, url, credentials, timeout, projectId, serviceId, project, workload }): RancherTarget => {
    // The refinement above guarantees one complete pair and the credentials.
    const common = { provider, url, credentials: credentials!, timeout };
    return project !== undefined ? { ...common, project, workload: workload! } : { ...common, projectId: projectId!, serviceId: serviceId! };
  });
