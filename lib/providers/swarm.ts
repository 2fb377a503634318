import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as z from 'zod';
import { parseDuration } from '../duration';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import type { TargetGuard } from './addresses';
import { excerpt, safeJson, unanswered } from './messages';
import { guardedConnection, TargetRefusedError } from './network';
import { engineUrl, socketPathOf, type SwarmTarget } from './targets/swarm';

// Docker Swarm through the Docker Engine API, the calls `docker service scale` makes:
// GET /services/{id} for the spec and its version, then POST /services/{id}/update?version=N
// with that whole spec, only Mode.Replicated.Replicas changed.

const API = '/v1.41';

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
    this.where = socketPathOf(target.endpoint) === undefined ? engineUrl(target.endpoint).origin : target.endpoint;
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
    this.call ??= engineCall(this.target, await this.tls(operation), this.context.guard);
    try {
      return await this.call(method, path, body);
    } catch (error) {
      const shownPath = path.split('?')[0];
      const why = tlsRefusal(error, this.target.credentials) ?? `did not answer: ${unanswered(error, this.target.timeout)}`;
      throw new ProviderError('swarm', operation, `${method} ${shownPath} on ${this.where} ${why}`, { cause: error });
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

export const swarm: CreateProvider<SwarmTarget> = (target, context) => new SwarmProvider(target, context);

/**
 * The Engine API over node:http or node:https, with the target's timeout and
 * client certificate, where the guard allows; on a unix socket over node:http.
 */
export function engineCall(target: SwarmTarget, tls: ClientTls, guard: TargetGuard): EngineCall {
  const socketPath = socketPathOf(target.endpoint);
  const url = socketPath === undefined ? engineUrl(target.endpoint) : undefined;
  const timeoutMs = parseDuration(target.timeout);
  const send = url?.protocol === 'https:' ? httpsRequest : httpRequest;
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const options: RequestOptions & ClientTls = {
        method,
        ...(url ? { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port } : { socketPath }),
        path,
        headers: { accept: 'application/json', 'user-agent': 'tide', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        signal: AbortSignal.timeout(timeoutMs),
        ...tls,
        ...(url ? guardedConnection(url.hostname, guard) : socketGuard(target.endpoint, guard)),
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

/** A unix socket is on the machine Tide runs on, like loopback: only the local stack (npm start on a manager node) may use one. */
function socketGuard(endpoint: string, guard: TargetGuard): Record<string, never> {
  if (!guard.localStack) throw new TargetRefusedError(`Tide does not connect there: ${endpoint} is a unix socket, reachable only on the local stack`);
  return {};
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

/**
 * A TLS handshake that failed on a certificate, said as what to fix: the
 * daemon refused ours (a TLS alert), or we refused the daemon's (node's
 * verification codes); undefined for any other failure.
 */
function tlsRefusal(error: unknown, credentials: string | undefined): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  if (/^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED)$/.test(code)) {
    return credentials
      ? `refused the TLS client certificate in ${credentials} (${code}): the daemon's --tlscacert must have signed it`
      : `refused the connection without a TLS client certificate (${code}): name one in credentials`;
  }
  if (/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)$/.test(code)) {
    const fix = credentials ? `put the CA that signed it in ${credentials} as ca` : 'name a secret holding the CA that signed it in credentials';
    return `has a TLS certificate Tide does not trust (${code}): ${fix}`;
  }
  return undefined;
}

/** Swarm refuses a write against a stale Version.Index with a 500 and this message. */
function isOutOfSequence(answer: { status: number; text: string }): boolean {
  return answer.status >= 400 && daemonMessage(answer.text).includes('update out of sequence');
}

/** The daemon's `{"message": "…"}`, or the start of whatever else it sent, as " (…)". */
function daemonMessage(text: string): string {
  const parsed = z.object({ message: z.string() }).safeParse(safeJson(text));
  // The client certificate's key proves itself in the TLS handshake and is never sent, so no answer can echo it.
  const flat = excerpt(parsed.success ? parsed.data.message : text, []);
  return flat ? ` (${flat})` : '';
}

