import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as z from 'zod';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import type { TargetGuard } from './addresses';
import { excerpt, safeJson } from './messages';
import { guardedConnection } from './network';
import type { KubernetesTarget } from './targets/kubernetes';

// A Deployment or StatefulSet, scaled through its scale subresource as
// `kubectl scale` and the HPA do: GET …/scale reads an autoscaling/v1 Scale,
// a merge patch of {"spec":{"replicas":N}} sets it. Only the replica count is
// touched, so Tide needs RBAC on `deployments/scale` or `statefulsets/scale`
// alone, never on the workloads themselves.

const TIMEOUT_MS = 10_000;
const PLURAL = { Deployment: 'deployments', StatefulSet: 'statefulsets' } as const;

export interface ApiRequest {
  method: 'GET' | 'PATCH';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** PEM CA to verify the server with, instead of Node's trusted ones. */
  ca?: string;
  /** Where the call may connect, checked against the addresses the API server's name resolves to. */
  guard: TargetGuard;
}

/** The one call the provider makes: node:http(s) in production, anything with this shape in a test. */
export type ApiCall = (request: ApiRequest) => Promise<{ status: number; body: string }>;

/** The part of an autoscaling/v1 Scale Tide reads; Kubernetes leaves spec.replicas out when it is 0. */
const scaleAnswer = z.object({ kind: z.literal('Scale'), spec: z.object({ replicas: z.number().int().min(0).default(0) }) });

/** A Kubernetes Status answer, which every API error is. */
const statusAnswer = z.object({ kind: z.literal('Status'), reason: z.string().optional(), message: z.string().optional() });

export class KubernetesProvider implements Provider {
  private readonly url: URL;

  constructor(
    private readonly target: KubernetesTarget,
    private readonly context: ProviderContext,
    private readonly call: ApiCall = nodeCall,
  ) {
    this.url = scaleUrl(target);
  }

  async readReplicas(): Promise<number | undefined> {
    const body = await this.send('read', 'GET');
    const scale = scaleAnswer.safeParse(safeJson(body));
    if (!scale.success) throw new ProviderError('kubernetes', 'read', `GET ${this.url} answered something other than a Scale`);
    return scale.data.spec.replicas;
  }

  async setReplicas(request: ScaleRequest): Promise<void> {
    await this.send('scale', 'PATCH', JSON.stringify({ spec: { replicas: request.to } }));
  }

  private async send(operation: 'read' | 'scale', method: ApiRequest['method'], body?: string): Promise<string> {
    const token = (await this.secret(operation, this.target.credentials)).trim();
    const ca = this.target.caCertificate ? await this.secret(operation, this.target.caCertificate) : undefined;
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}`, 'user-agent': 'tide' };
    if (body !== undefined) headers['content-type'] = 'application/merge-patch+json';
    const where = `${method} ${this.url}`;
    let answer: { status: number; body: string };
    try {
      answer = await this.call({ method, url: this.url, headers, ...(body !== undefined ? { body } : {}), ...(ca ? { ca } : {}), guard: this.context.guard });
    } catch (error) {
      throw new ProviderError('kubernetes', operation, `${where} did not answer: ${failure(error)}`, { cause: error });
    }
    if (answer.status < 200 || answer.status > 299) throw new ProviderError('kubernetes', operation, `${where} answered ${refusal(answer, [token])}`);
    return answer.body;
  }

  private async secret(operation: 'read' | 'scale', reference: string): Promise<string> {
    try {
      return await this.context.resolveSecret(reference);
    } catch (error) {
      // The reference names the secret, never holds it, so it may appear in the message.
      throw new ProviderError('kubernetes', operation, `cannot read ${reference}: ${(error as Error).message}`, { cause: error });
    }
  }
}

export const kubernetes: CreateProvider<KubernetesTarget> = (target, context) => new KubernetesProvider(target, context);

/** …/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale, under any path the API server sits at (a Rancher proxy). */
export function scaleUrl(target: Pick<KubernetesTarget, 'apiServer' | 'namespace' | 'kind' | 'name'>): URL {
  const base = target.apiServer.endsWith('/') ? target.apiServer : `${target.apiServer}/`;
  return new URL(`apis/apps/v1/namespaces/${target.namespace}/${PLURAL[target.kind]}/${target.name}/scale`, base);
}

/** node:https verifies the server against `ca` when given; plain http is only ever loopback (kubectl proxy, tests). */
const nodeCall: ApiCall = ({ method, url, headers, body, ca, guard }) =>
  new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method, headers, ...(ca ? { ca } : {}), ...guardedConnection(url.hostname, guard) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(Object.assign(new Error(`timed out after ${TIMEOUT_MS / 1000}s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });

/** `404 NotFound: deployments.apps "web" not found`, from the API's Status; or the status and the body's start; never what Tide sent. */
function refusal(answer: { status: number; body: string }, sent: string[]): string {
  const status = statusAnswer.safeParse(safeJson(answer.body));
  if (status.success) {
    const { reason, message } = status.data;
    return `${answer.status}${reason ? ` ${excerpt(reason, sent, 40)}` : ''}${message ? `: ${excerpt(message, sent)}` : ''}`;
  }
  const flat = excerpt(answer.body, sent);
  return flat ? `${answer.status} (${flat})` : `${answer.status}`;
}

function failure(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // TLS failures carry their reason in the code (DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID…).
  const text = typeof message === 'string' && message ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
