import * as z from 'zod';
import { excerpt, safeJson } from './messages';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import type { RancherTarget } from '../targets/rancher';
import { PlatformClient } from './transport';

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
  /** What the secret holds, and what it must look like, for messages. */
  secretName: string;
  secretShape: string;
}

const resourceAnswer = z.looseObject({
  scale: z.number().int().min(0).optional(),
  launchConfig: z.looseObject({ labels: z.record(z.string(), z.unknown()).optional() }).optional(),
});

export class RancherProvider implements Provider {
  private readonly resource: Resource;
  private readonly base: string;
  private readonly platform: PlatformClient;

  constructor(
    private readonly target: RancherTarget,
    context: ProviderContext,
  ) {
    this.resource = resourceOf(target);
    this.base = target.url.replace(/\/+$/, '');
    this.platform = new PlatformClient('rancher', context);
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
    const where = `${method} ${this.resource.path} on ${this.shownBase()}`;
    const call = { method, url: `${this.base}${this.resource.path}`, headers: { authorization }, timeout: this.target.timeout };
    const answer = await this.platform.send(operation, where, body === undefined ? call : { ...call, body });
    if (!answer.ok) throw new ProviderError('rancher', operation, `${where} answered ${answer.status}${rancherError(answer.text, [secret, authorization])}`);
    return answer.text;
  }

  private async secret(operation: 'read' | 'scale'): Promise<string> {
    const secret = (await this.platform.secret(operation, this.target.credentials, this.resource.secretName)).trim();
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
      secretName: 'the API key',
      secretShape: 'an API key as accessKey:secretKey',
    };
  }
  return {
    name: `workload ${target.workload}`,
    path: `/v3/project/${target.project}/workloads/${target.workload}`,
    authorization: (secret) => `Bearer ${secret}`,
    secretName: 'the API token',
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

