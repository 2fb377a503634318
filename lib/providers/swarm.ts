import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as z from 'zod';
import { parseDuration, positiveDurationString } from '../duration';
import { secretReference } from '../secrets';
import { ProviderError, type Provider, type ProviderContext, type ProviderDefinition, type ScaleRequest } from './provider';
import { excerpt, safeJson, unanswered } from './messages';

// Docker Swarm through the Docker Engine API, the calls `docker service scale` makes:
// GET /services/{id} for the spec and its version, then POST /services/{id}/update?version=N
// with that whole spec, only Mode.Replicated.Replicas changed.

const API = '/v1.41';
const ENDPOINT_RULE = 'must be a Docker endpoint: tcp://host:2376 (TLS), tcp://host:2375, https:// or http://';
const SERVICE_RULE = 'must be a Swarm service ID or name';
const MAX_TIMEOUT_MS = 60_000;
/** Docker's plain-HTTP port; any other tcp:// port speaks TLS, 2376 when none is given. */
const PLAIN_PORT = '2375';
const TLS_PORT = '2376';

export const swarmTarget = z
  .strictObject({
    provider: z.literal('swarm'),
    endpoint: z
      .string({ error: ENDPOINT_RULE })
      .refine((text) => URL.canParse(text) && /^(tcp|https?):$/.test(new URL(text).protocol) && new URL(text).hostname !== '', {
        error: ENDPOINT_RULE,
        abort: true,
      })
      .refine((text) => !new URL(text).username && !new URL(text).password, {
        error: 'must not carry a user or password; name the TLS client certificate in credentials',
      }),
    serviceId: z.string({ error: SERVICE_RULE }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: SERVICE_RULE }),
    credentials: secretReference.optional(),
    timeout: positiveDurationString
      .refine((text) => parseDuration(text) <= MAX_TIMEOUT_MS, { error: `must be at most ${MAX_TIMEOUT_MS / 1000}s` })
      .default('10s'),
  })
  // A client certificate sent over plain HTTP would authenticate nothing and travel in the clear.
  .refine((target) => !target.credentials || !URL.canParse(target.endpoint) || engineUrl(target.endpoint).protocol === 'https:', {
    path: ['credentials'],
    error: 'needs a TLS endpoint (https://, or tcp:// on a port other than 2375)',
  });

export type SwarmTarget = z.output<typeof swarmTarget>;

/** The TLS material a secret holds: PEM text for the daemon's CA, the client certificate and its key. */
export interface ClientTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** One Engine API call: the status and body text. Over node:http(s) in production, so TLS client certificates work. */
export type EngineCall = (method: 'GET' | 'POST', path: string, body?: string) => Promise<{ status: number; text: string }>;

const serviceAnswer = z.object({
  Version: z.object({ Index: z.number().int().min(0) }),
  Spec: z.looseObject({ Mode: z.looseObject({ Replicated: z.looseObject({ Replicas: z.number().int().min(0) }).optional() }) }),
});

type Service = z.output<typeof serviceAnswer>;

export class SwarmProvider implements Provider {
  private readonly servicePath: string;
  private readonly where: string;

  constructor(
    private readonly target: SwarmTarget,
    private readonly context: ProviderContext,
    private call?: EngineCall,
  ) {
    this.servicePath = `${API}/services/${encodeURIComponent(target.serviceId)}`;
    this.where = engineUrl(target.endpoint).origin;
  }

  async readReplicas(): Promise<number | undefined> {
    const { service } = await this.inspect('read');
    return replicasOf(service, this.target.serviceId, 'read');
  }

  async setReplicas(request: ScaleRequest): Promise<void> {
    let answer = await this.update(request.to);
    // Another writer (a deploy, an operator) moved the version between our read and write: read it again, once.
    if (isOutOfSequence(answer)) answer = await this.update(request.to);
    if (answer.status < 200 || answer.status > 299) throw this.refused('scale', `POST ${this.servicePath}/update`, answer);
  }

  private async update(replicas: number): Promise<{ status: number; text: string }> {
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

  private async send(operation: 'read' | 'scale', method: 'GET' | 'POST', path: string, body?: string) {
    this.call ??= engineCall(this.target, await this.tls(operation));
    try {
      return await this.call(method, path, body);
    } catch (error) {
      const shownPath = path.split('?')[0];
      throw new ProviderError('swarm', operation, `${method} ${shownPath} on ${this.where} did not answer: ${unanswered(error, this.target.timeout)}`, {
        cause: error,
      });
    }
  }

  private async tls(operation: 'read' | 'scale'): Promise<ClientTls> {
    if (!this.target.credentials) return {};
    let secret: string;
    try {
      secret = await this.context.resolveSecret(this.target.credentials);
    } catch (error) {
      // The reference names the secret, never holds it, so it may appear in the message.
      throw new ProviderError('swarm', operation, `cannot read the TLS client certificate ${this.target.credentials}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const tls = parseClientTls(secret);
    if (!tls) {
      throw new ProviderError('swarm', operation, `${this.target.credentials} holds neither JSON {ca, cert, key} nor a PEM bundle with a certificate and a key`);
    }
    return tls;
  }

  private refused(operation: 'read' | 'scale', call: string, answer: { status: number; text: string }): ProviderError {
    return new ProviderError('swarm', operation, `${call} on ${this.where} answered ${answer.status}${daemonMessage(answer.text)}`);
  }
}

export const swarm: ProviderDefinition<SwarmTarget> = {
  schema: swarmTarget,
  create: (target, context) => new SwarmProvider(target, context),
};

/** The Engine API over node:http or node:https, with the target's timeout and client certificate. */
export function engineCall(target: SwarmTarget, tls: ClientTls): EngineCall {
  const url = engineUrl(target.endpoint);
  const timeoutMs = parseDuration(target.timeout);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const options: RequestOptions & ClientTls = {
        method,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        path,
        headers: { accept: 'application/json', 'user-agent': 'tide', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        signal: AbortSignal.timeout(timeoutMs),
        ...tls,
      };
      const outgoing = send(options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}

/** `tcp://` as the Docker CLI reads it: TLS on 2376 (also when no port is given), plain HTTP on 2375. */
export function engineUrl(endpoint: string): URL {
  const url = new URL(endpoint);
  if (url.protocol !== 'tcp:') return url;
  const port = url.port || TLS_PORT;
  return new URL(`${port === PLAIN_PORT ? 'http' : 'https'}://${url.hostname}:${port}`);
}

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

function replicasOf(service: Service, serviceId: string, operation: 'read' | 'scale'): number {
  const replicated = service.Spec.Mode.Replicated;
  if (replicated) return replicated.Replicas;
  const mode = Object.keys(service.Spec.Mode)[0] ?? 'unknown';
  const why = mode === 'Global' ? 'global services cannot be scaled' : `only replicated services can be scaled, not ${mode}`;
  throw new ProviderError('swarm', operation, `service ${serviceId} is ${mode.toLowerCase()}: ${why}`);
}

/** Swarm refuses a write against a stale Version.Index with a 500 and this message. */
function isOutOfSequence(answer: { status: number; text: string }): boolean {
  return answer.status >= 400 && daemonMessage(answer.text).includes('update out of sequence');
}

/** The daemon's `{"message": "…"}`, or the start of whatever else it sent, as " (…)". */
function daemonMessage(text: string): string {
  const parsed = z.object({ message: z.string() }).safeParse(safeJson(text));
  const flat = excerpt(parsed.success ? parsed.data.message : text);
  return flat ? ` (${flat})` : '';
}

