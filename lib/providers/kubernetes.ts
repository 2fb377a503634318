import * as z from 'zod';
import { excerpt, safeJson } from './messages';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import type { KubernetesTarget } from '../targets/kubernetes';
import { PlatformClient, type PlatformAnswer } from './transport';

// A Deployment or StatefulSet, scaled through its scale subresource as
// `kubectl scale` and the HPA do: GET …/scale reads an autoscaling/v1 Scale,
// a merge patch of {"spec":{"replicas":N}} sets it. Only the replica count is
// touched, so Tide needs RBAC on `deployments/scale` or `statefulsets/scale`
// alone, never on the workloads themselves.

const TIMEOUT = '10s';
const PLURAL = { Deployment: 'deployments', StatefulSet: 'statefulsets' } as const;

/** The part of an autoscaling/v1 Scale Tide reads; Kubernetes leaves spec.replicas out when it is 0. */
const scaleAnswer = z.object({ kind: z.literal('Scale'), spec: z.object({ replicas: z.number().int().min(0).default(0) }) });

/** A Kubernetes Status answer, which every API error is. */
const statusAnswer = z.object({ kind: z.literal('Status'), reason: z.string().optional(), message: z.string().optional() });

export class KubernetesProvider implements Provider {
  private readonly url: URL;
  private readonly platform: PlatformClient;

  constructor(
    private readonly target: KubernetesTarget,
    context: ProviderContext,
  ) {
    this.url = scaleUrl(target);
    this.platform = new PlatformClient('kubernetes', context);
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

  /** node:https verifies the server against the target's CA when it names one; plain http is only ever loopback (kubectl proxy, tests). */
  private async send(operation: 'read' | 'scale', method: 'GET' | 'PATCH', body?: string): Promise<string> {
    const { credentials, caCertificate } = this.target;
    const token = (await this.platform.secret(operation, credentials, 'the bearer token')).trim();
    const ca = caCertificate ? await this.platform.secret(operation, caCertificate, 'the CA certificate') : undefined;
    const where = `${method} ${this.url}`;
    const answer = await this.platform.send(operation, where, {
      method,
      url: this.url.toString(),
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/merge-patch+json' }) },
      ...(body === undefined ? {} : { body }),
      timeout: TIMEOUT,
      ...(ca ? { tls: { ca } } : {}),
      certificates: {
        refused: 'Tide authenticates with the bearer token in credentials, not a client certificate',
        untrusted: caCertificate ? `the CA in ${caCertificate} did not sign it` : 'name a secret holding the CA that signed it in caCertificate',
      },
    });
    if (!answer.ok) throw new ProviderError('kubernetes', operation, `${where} answered ${refusal(answer, [token])}`);
    return answer.text;
  }
}

export const kubernetes: CreateProvider<KubernetesTarget> = (target, context) => new KubernetesProvider(target, context);

/** …/apis/apps/v1/namespaces/{ns}/deployments/{name}/scale, under any path the API server sits at (a Rancher proxy). */
function scaleUrl(target: Pick<KubernetesTarget, 'apiServer' | 'namespace' | 'kind' | 'name'>): URL {
  const base = target.apiServer.endsWith('/') ? target.apiServer : `${target.apiServer}/`;
  return new URL(`apis/apps/v1/namespaces/${target.namespace}/${PLURAL[target.kind]}/${target.name}/scale`, base);
}

/** `404 NotFound: deployments.apps "web" not found`, from the API's Status; or the status and the body's start; never what Tide sent. */
function refusal(answer: PlatformAnswer, sent: string[]): string {
  const status = statusAnswer.safeParse(safeJson(answer.text));
  if (status.success) {
    const { reason, message } = status.data;
    return `${answer.status}${reason ? ` ${excerpt(reason, sent, 40)}` : ''}${message ? `: ${excerpt(message, sent)}` : ''}`;
  }
  const flat = excerpt(answer.text, sent);
  return flat ? `${answer.status} (${flat})` : `${answer.status}`;
}
