import * as z from 'zod';
import { excerpt, safeJson } from './messages';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import { engineUrl, socketPathOf, type SwarmTarget } from '../targets/swarm';
import { PlatformClient, type ClientTls, type PlatformAnswer, type PlatformCall } from './transport';

// Docker Swarm through the Docker Engine API, the calls `docker service scale` makes:
// GET /services/{id} for the spec and its version, then POST /services/{id}/update?version=N
// with that whole spec, only Mode.Replicated.Replicas changed.

const API = '/v1.41';

const serviceAnswer = z.object({
  Version: z.object({ Index: z.number().int().min(0) }),
  Spec: z.looseObject({ Mode: z.looseObject({ Replicated: z.looseObject({ Replicas: z.number().int().min(0) }).optional() }) }),
});

type Service = z.output<typeof serviceAnswer>;

export class SwarmProvider implements Provider {
  private readonly servicePath: string;
  private readonly where: string;
  private readonly platform: PlatformClient;
  /** The client certificate, read once per provider. */
  private tls?: Promise<ClientTls>;

  constructor(
    private readonly target: SwarmTarget,
    context: ProviderContext,
  ) {
    this.servicePath = `${API}/services/${encodeURIComponent(target.serviceId)}`;
    this.where = socketPathOf(target.endpoint) === undefined ? engineUrl(target.endpoint).origin : target.endpoint;
    this.platform = new PlatformClient('swarm', context);
  }

  async readReplicas(): Promise<number | undefined> {
    const { service } = await this.inspect('read');
    return replicasOf(service, this.target.serviceId, 'read');
  }

  async setReplicas(request: ScaleRequest): Promise<void> {
    let answer = await this.update(request.to);
    // Another writer (a deploy, an operator) moved the version between our read and write: read it again, once.
    if (isOutOfSequence(answer)) answer = await this.update(request.to);
    if (!answer.ok) throw this.refused('scale', `POST ${this.servicePath}/update`, answer);
  }

  private async update(replicas: number): Promise<PlatformAnswer> {
    const { service, raw } = await this.inspect('scale');
    replicasOf(service, this.target.serviceId, 'scale');
    // The spec exactly as the daemon gave it, so every field we do not know about survives the update.
    const spec = (raw as { Spec: { Mode: { Replicated: { Replicas: number } } } }).Spec;
    spec.Mode.Replicated.Replicas = replicas;
    const path = `${this.servicePath}/update?version=${service.Version.Index}`;
    return this.send('scale', 'POST', path, JSON.stringify(spec));
  }

  private async inspect(operation: 'read' | 'scale'): Promise<{ service: Service; raw: unknown }> {
    const answer = await this.send(operation, 'GET', this.servicePath);
    if (answer.status !== 200) throw this.refused(operation, `GET ${this.servicePath}`, answer);
    const raw = safeJson(answer.text);
    const service = serviceAnswer.safeParse(raw);
    if (!service.success) {
      throw new ProviderError('swarm', operation, `GET ${this.servicePath} on ${this.where} answered a body without Spec.Mode and Version.Index`);
    }
    return { service: service.data, raw };
  }

  /** One Engine API call, over TLS with the client certificate, plain HTTP, or the unix socket. */
  private async send(operation: 'read' | 'scale', method: 'GET' | 'POST', path: string, body?: string): Promise<PlatformAnswer> {
    const { credentials, endpoint, timeout } = this.target;
    const socketPath = socketPathOf(endpoint);
    const call: PlatformCall = {
      method,
      url: socketPath === undefined ? `${engineUrl(endpoint).origin}${path}` : `http://localhost${path}`,
      ...(socketPath === undefined ? {} : { socketPath }),
      ...(body === undefined ? {} : { body }),
      timeout,
      tls: await (this.tls ??= this.clientTls(operation)),
      certificates: {
        ...(credentials ? { clientCertificate: credentials } : {}),
        refused: credentials ? "the daemon's --tlscacert must have signed it" : 'name one in credentials',
        untrusted: credentials ? `put the CA that signed it in ${credentials} as ca` : 'name a secret holding the CA that signed it in credentials',
      },
    };
    return this.platform.send(operation, `${method} ${path.split('?')[0]} on ${this.where}`, call);
  }

  private async clientTls(operation: 'read' | 'scale'): Promise<ClientTls> {
    if (!this.target.credentials) return {};
    const tls = parseClientTls(await this.platform.secret(operation, this.target.credentials, 'the TLS client certificate'));
    if (!tls) {
      throw new ProviderError('swarm', operation, `${this.target.credentials} holds neither JSON {ca, cert, key} nor a PEM bundle with a certificate and a key`);
    }
    return tls;
  }

  private refused(operation: 'read' | 'scale', call: string, answer: PlatformAnswer): ProviderError {
    return new ProviderError('swarm', operation, `${call} on ${this.where} answered ${answer.status}${daemonMessage(answer.text)}`);
  }
}

export const swarm: CreateProvider<SwarmTarget> = (target, context) => new SwarmProvider(target, context);

/**
 * A secret as JSON `{"ca", "cert", "key"}`, or as one PEM bundle: the private key,
 * the client certificate first among the certificates, the daemon's CA after it.
 */
export function parseClientTls(secret: string): ClientTls | undefined {
  const text = secret.trim();
  if (text.startsWith('{')) {
    const parsed = z.object({ ca: z.string().optional(), cert: z.string(), key: z.string() }).safeParse(safeJson(text));
    return parsed.success ? parsed.data : undefined;
  }
  const blocks = text.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
  const key = blocks.find((block) => /^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(block));
  const [cert, ...ca] = blocks.filter((block) => block.startsWith('-----BEGIN CERTIFICATE-----'));
  if (!key || !cert) return undefined;
  return { cert, key, ...(ca.length > 0 ? { ca: ca.join('\n') } : {}) };
}

/** Why each mode but Replicated has no replicas to set, as Spec.Mode names it. */
const UNSCALABLE: Record<string, string> = {
  Global: 'global: global services cannot be scaled',
  ReplicatedJob: 'a replicated job: jobs run to completion and cannot be scaled',
  GlobalJob: 'a global job: jobs run to completion and cannot be scaled',
};

function replicasOf(service: Service, serviceId: string, operation: 'read' | 'scale'): number {
  const replicated = service.Spec.Mode.Replicated;
  if (replicated) return replicated.Replicas;
  const mode = Object.keys(service.Spec.Mode)[0] ?? 'unknown';
  const why = UNSCALABLE[mode] ?? `in mode ${mode}: only replicated services can be scaled`;
  throw new ProviderError('swarm', operation, `service ${serviceId} is ${why}`);
}

/** Swarm refuses a write against a stale Version.Index with a 500 and this message. */
function isOutOfSequence(answer: PlatformAnswer): boolean {
  return answer.status >= 400 && daemonMessage(answer.text).includes('update out of sequence');
}

/** The daemon's `{"message": "…"}`, or the start of whatever else it sent, as " (…)". */
function daemonMessage(text: string): string {
  const parsed = z.object({ message: z.string() }).safeParse(safeJson(text));
  // The client certificate's key proves itself in the TLS handshake and is never sent, so no answer can echo it.
  const flat = excerpt(parsed.success ? parsed.data.message : text, []);
  return flat ? ` (${flat})` : '';
}

