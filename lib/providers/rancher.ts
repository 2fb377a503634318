import * as z from 'zod';
import { parseDuration } from '../duration';
import type { HttpCall } from './http';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import { excerpt, safeJson, unanswered } from './messages';
import { guardedFetch } from './network';
import type { RancherTarget } from './targets/rancher';

// Rancher's own API, both generations. A resource's `scale` is its desired
// containers: 1.6 (Cattle, the v2-beta API) keeps it on a service, 2.x (the v3
// API over Kubernetes) on a workload. Both read it with GET and set it with a PUT
// of just {"scale": N}, which Rancher merges into the resource (the 2.x UI's own
// scale buttons send only that, rancher/ui#2317).

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

export const rancher: CreateProvider<RancherTarget> = (target, context) => new RancherProvider(target, context);

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

