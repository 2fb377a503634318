import * as z from 'zod';
import { secretReference } from '../secrets';
import type { HttpCall } from './http';
import { apiPath, apiUrl, ApiCallError, callJson, pathSegment } from './jsonApi';
import { ProviderError, type Provider, type ProviderContext, type ProviderDefinition, type ScaleRequest } from './provider';

// Oracle Container Cloud Service. A deployment runs a stack of services, and its
// `quantities` say how many containers each service should have: scaling one
// service is a read of the deployment, then a PUT of it with that one quantity changed
// (what the seed's GetDeployFileTemplate / UpdateDeployScaling pair did).
//
// From the seed: `PUT /api/v2/deployments/{deployment_id}` with
// `Authorization: Bearer <token>`, the token being what `GET /api/token` answers
// after the `POST /api/auth` login; and the deployment document, `{"deployment": {…, "quantities": {service: N}}}`.
// The seed is silent on the read and on the PUT body (its scale_deployment.json is
// not shown), so both follow Oracle's REST reference: `GET /api/v2/deployments/{deployment_id}`
// answers the document above, and the PUT body is the deployment's own fields, unwrapped.

const TIMEOUT = '10s';

export const occsTarget = z.strictObject({
  provider: z.literal('occs'),
  /** The manager node, e.g. https://140.86.1.119. */
  url: apiUrl,
  deploymentId: pathSegment('Redis-20170923-175443'),
  /** The service's key in the deployment's quantities. */
  serviceName: z.string({ error: 'must name a service of the deployment, such as "redis"' }).min(1, {
    error: 'must name a service of the deployment, such as "redis"',
  }),
  /** Names the secret holding the API bearer token. */
  credentials: secretReference,
});

export type OccsTarget = z.output<typeof occsTarget>;

const deploymentAnswer = z.object({
  deployment: z.looseObject({ quantities: z.record(z.string(), z.number().int().min(0)) }),
});

type Deployment = z.output<typeof deploymentAnswer>['deployment'];

/** The fields Oracle's "Update a Deployment" takes; the rest of what GET answers (generation, states) is the manager's. */
const UPDATABLE = ['deployment_id', 'deployment_name', 'desired_state', 'placement', 'stack'] as const;

export class OccsProvider implements Provider {
  private readonly url: string;

  constructor(
    private readonly target: OccsTarget,
    private readonly context: ProviderContext,
    private readonly call: HttpCall = fetch,
  ) {
    this.url = apiPath(target.url, `/api/v2/deployments/${encodeURIComponent(target.deploymentId)}`);
  }

  async readReplicas(): Promise<number | undefined> {
    return quantityOf(await this.readDeployment('read'), this.target, 'read');
  }

  /**
   * Read, change one quantity, write back: the API has no call for one service's quantity.
   * Two writers racing could undo each other's change; Tide holds a lease per service,
   * so only another tool scaling the same deployment at the same moment could.
   */
  async setReplicas(request: ScaleRequest): Promise<void> {
    const deployment = await this.readDeployment('scale');
    quantityOf(deployment, this.target, 'scale');
    await this.send('scale', { method: 'PUT', body: updateBody(deployment, this.target.serviceName, request.to) });
  }

  private async readDeployment(operation: 'read' | 'scale'): Promise<Deployment> {
    const answer = deploymentAnswer.safeParse(await this.send(operation, { method: 'GET' }));
    if (!answer.success) {
      throw new ProviderError('occs', operation, `GET ${this.url} answered without a deployment's quantities`);
    }
    return answer.data.deployment;
  }

  private async send(operation: 'read' | 'scale', request: { method: 'GET' | 'PUT'; body?: unknown }): Promise<unknown> {
    const token = await this.token(operation);
    try {
      return await callJson(this.call, { ...request, url: this.url, authorization: `Bearer ${token}`, timeout: TIMEOUT });
    } catch (error) {
      if (error instanceof ApiCallError) throw new ProviderError('occs', operation, error.message, { cause: error });
      throw error;
    }
  }

  private async token(operation: 'read' | 'scale'): Promise<string> {
    try {
      return await this.context.resolveSecret(this.target.credentials);
    } catch (error) {
      // The reference names the secret, never holds it, so it may appear in the message.
      throw new ProviderError('occs', operation, `cannot read the API token from ${this.target.credentials}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

export const occs: ProviderDefinition<OccsTarget> = {
  schema: occsTarget,
  create: (target, context) => new OccsProvider(target, context),
};

/** The service's quantity; a service the deployment does not run is a mistake in the target, said plainly. */
function quantityOf(deployment: Deployment, target: OccsTarget, operation: 'read' | 'scale'): number {
  const quantity = deployment.quantities[target.serviceName];
  if (quantity === undefined) {
    const known = Object.keys(deployment.quantities).sort().join(', ') || 'none';
    throw new ProviderError('occs', operation, `deployment ${target.deploymentId} has no service ${target.serviceName} (its services: ${known})`);
  }
  return quantity;
}

/** The PUT body: the deployment as read, unwrapped, with one service's quantity changed. */
export function updateBody(deployment: Deployment, serviceName: string, replicas: number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of UPDATABLE) if (deployment[field] !== undefined) body[field] = deployment[field];
  body.quantities = { ...deployment.quantities, [serviceName]: replicas };
  return body;
}
