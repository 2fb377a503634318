import * as z from 'zod';
import { parseDuration, positiveDurationString } from '../duration';
import { secretReference } from '../secrets';
import type { HttpCall } from './http';
import { ProviderError, type Provider, type ProviderContext, type ProviderDefinition, type ScaleRequest } from './provider';
import { excerpt, safeJson, unanswered } from './messages';
import { guardedFetch } from './network';

// Rancher's own API, both generations. A resource's `scale` is its desired
// containers: 1.6 (Cattle, the v2-beta API) keeps it on a service, 2.x (the v3
// API over Kubernetes) on a workload. Both read it with GET and set it with a PUT
// of just {"scale": N}, which Rancher merges into the resource (the 2.x UI's own
// scale buttons send only that, rancher/ui#2317).

const URL_RULE = 'must be the Rancher server as an http:// or https:// URL';
const PROJECT_ID_RULE = 'must be a Rancher 1.6 environment ID such as 1a5';
const SERVICE_ID_RULE = 'must be a Rancher 1.6 service ID such as 1s12';
const PROJECT_RULE = 'must be a Rancher 2.x project ID such as c-abc12:p-xyz34';
const WORKLOAD_RULE = 'must be a scalable Rancher 2.x workload ID: deployment:<namespace>:<name>, statefulset:…, replicaset:… or replicationcontroller:…';
const GENERATIONS = 'projectId and serviceId (Rancher 1.6) or project and workload (Rancher 2.x)';
const MAX_TIMEOUT_MS = 60_000;

const fields = z.strictObject({
  provider: z.literal('rancher'),
  url: z
    .string({ error: URL_RULE })
    .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), { error: URL_RULE, abort: true })
    .refine((text) => !new URL(text).username && !new URL(text).password && !new URL(text).search, {
      error: 'must carry no user, password or query; name the API key in credentials',
    }),
  credentials: secretReference.optional(),
  timeout: positiveDurationString
    .refine((text) => parseDuration(text) <= MAX_TIMEOUT_MS, { error: `must be at most ${MAX_TIMEOUT_MS / 1000}s` })
    .default('10s'),
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

/** One schema for both generations: which pair of fields is present says which, and a missing half is named. */
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

/** Where a target's resource lives and how Rancher wants the secret presented. */
interface Resource {
  /** "service 1s12" or "workload deployment:default:web", for messages. */
  name: string;
  path: string;
  authorization: (secret: string) => string;
  /** What the secret must look like, for the message when it does not. */
  secretShape: string;
}

const resourceAnswer = z.looseObject({
  scale: z.number().int().min(0).optional(),
  launchConfig: z.looseObject({ labels: z.record(z.string(), z.unknown()).optional() }).optional(),
});

export class RancherProvider implements Provider {
  private readonly resource: Resource;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly target: RancherTarget,
    private readonly context: ProviderContext,
    private readonly call: HttpCall = guardedFetch(context.guard),
  ) {
    this.resource = resourceOf(target);
    this.base = target.url.replace(/\/+$/, '');
    this.timeoutMs = parseDuration(target.timeout);
  }

  async readReplicas(): Promise<number | undefined> {
    const text = await this.send('read', 'GET');
    const answer = resourceAnswer.safeParse(safeJson(text));
    if (!answer.success || answer.data.scale === undefined) {
      throw new ProviderError('rancher', 'read', `GET ${this.resource.path} on ${this.shownBase()} answered without a scale`);
    }
    // Cattle runs a global service on every host and ignores its scale.
    if (answer.data.launchConfig?.labels?.['io.rancher.scheduler.global'] === 'true') {
      throw new ProviderError('rancher', 'read', `${this.resource.name} is global: global services cannot be scaled`);
    }
    return answer.data.scale;
  }

  async setReplicas(request: ScaleRequest): Promise<void> {
    await this.send('scale', 'PUT', JSON.stringify({ scale: request.to }));
  }

  private async send(operation: 'read' | 'scale', method: 'GET' | 'PUT', body?: string): Promise<string> {
    const secret = await this.secret(operation);
    const authorization = this.resource.authorization(secret);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'tide', authorization };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const where = `${method} ${this.resource.path} on ${this.shownBase()}`;
    let response: Response;
    try {
      response = await this.call(`${this.base}${this.resource.path}`, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new ProviderError('rancher', operation, `${where} did not answer: ${unanswered(error, this.target.timeout)}`, { cause: error });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) throw new ProviderError('rancher', operation, `${where} answered ${response.status}${rancherError(text, [secret, authorization])}`);
    return text;
  }

  private async secret(operation: 'read' | 'scale'): Promise<string> {
    let secret: string;
    try {
      secret = (await this.context.resolveSecret(this.target.credentials)).trim();
    } catch (error) {
      // The reference names the secret, never holds it, so it may appear in the message.
      throw new ProviderError('rancher', operation, `cannot read ${this.target.credentials}: ${(error as Error).message}`, { cause: error });
    }
    if (!/^[^:\s]+:[^:\s]+$/.test(secret)) {
      throw new ProviderError('rancher', operation, `${this.target.credentials} must hold ${this.resource.secretShape}`);
    }
    return secret;
  }

  private shownBase(): string {
    const url = new URL(this.base);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }
}

export const rancher: ProviderDefinition<RancherTarget> = {
  schema: rancherTarget,
  secretFields: ['credentials'],
  urlFields: ['url'],
  create: (target, context) => new RancherProvider(target, context),
};

function resourceOf(target: RancherTarget): Resource {
  if ('serviceId' in target) {
    return {
      name: `service ${target.serviceId}`,
      path: `/v2-beta/projects/${target.projectId}/services/${target.serviceId}`,
      // An environment API key is HTTP basic auth, as `curl -u accessKey:secretKey` sends it.
      authorization: (secret) => `Basic ${Buffer.from(secret, 'utf8').toString('base64')}`,
      secretShape: 'an API key as accessKey:secretKey',
    };
  }
  return {
    name: `workload ${target.workload}`,
    path: `/v3/project/${target.project}/workloads/${target.workload}`,
    authorization: (secret) => `Bearer ${secret}`,
    secretShape: 'an API token as token-xxxxx:yyyy',
  };
}

/** Rancher's error resource `{"type": "error", "status", "code", "message"}` as " NotFound (…)", without what Tide sent. */
function rancherError(text: string, sent: string[]): string {
  const parsed = z.object({ code: z.string().optional(), message: z.string().nullish() }).safeParse(safeJson(text));
  const code = parsed.success && parsed.data.code ? ` ${excerpt(parsed.data.code, sent, 40)}` : '';
  const message = excerpt(parsed.success ? (parsed.data.message ?? '') : text, sent);
  return `${code}${message ? ` (${message})` : ''}`;
}

