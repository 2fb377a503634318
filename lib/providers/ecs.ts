import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { parseDuration } from '../duration';
import { hostRefusal, type TargetGuard } from '../targets/addresses';
import { guardedLookup } from './network';
import { ProviderError, type CreateProvider, type Provider, type ScaleRequest } from './provider';
import type { EcsTarget } from '../targets/ecs';
import { isLoopbackUrl } from '../targets/urls';
import { unanswered } from './transport';

// An Amazon ECS service: its desiredCount is the replicas. Tide calls ECS with
// its own Lambda role, so the target names no secret; the role's policy in
// serverless.yml grants ecs:DescribeServices and ecs:UpdateService.

/** Each attempt's; the SDK makes three. */
const TIMEOUT = '10s';

// The SDK is loaded at the first call, not with the function: most deployments scale no ECS service.
type EcsSdk = typeof import('@aws-sdk/client-ecs');
type Ecs = { sdk: EcsSdk; client: InstanceType<EcsSdk['ECSClient']> };

// Clients live as long as the warm Lambda container, one per region and endpoint, so connections are reused.
const clients = new Map<string, Promise<Ecs>>();

export class EcsProvider implements Provider {
  constructor(
    private readonly target: EcsTarget,
    private readonly ecs: Promise<Ecs>,
    /** Why the endpoint may not be reached (a refused literal address), checked before any call. */
    private readonly refused?: string,
  ) {}

  async readReplicas(): Promise<number | undefined> {
    const { cluster, service } = this.target;
    const out = await this.call('read', 'DescribeServices', ({ sdk, client }) => client.send(new sdk.DescribeServicesCommand({ cluster, services: [service] })));
    const failure = out.failures?.[0];
    if (failure) {
      const why = [failure.reason, failure.detail].filter(Boolean).join(', ');
      throw new ProviderError('ecs', 'read', `DescribeServices found no service ${service} in cluster ${cluster} (${this.target.region}): ${why}`);
    }
    const found = out.services?.[0];
    if (!found) throw new ProviderError('ecs', 'read', `DescribeServices answered no service ${service} in cluster ${cluster}`);
    // INACTIVE and DRAINING services are deleted or being deleted: their count means nothing to scale from.
    if (found.status !== 'ACTIVE') throw new ProviderError('ecs', 'read', `service ${service} in cluster ${cluster} is ${found.status ?? 'without a status'}`);
    return found.desiredCount;
  }

  async setReplicas(request: ScaleRequest): Promise<void> {
    const { cluster, service } = this.target;
    await this.call('scale', 'UpdateService', ({ sdk, client }) => client.send(new sdk.UpdateServiceCommand({ cluster, service, desiredCount: request.to })));
  }

  private async call<T>(operation: 'read' | 'scale', action: string, send: (ecs: Ecs) => Promise<T>): Promise<T> {
    const where = `${action} ${this.target.cluster}/${this.target.service}`;
    if (this.refused) throw new ProviderError('ecs', operation, `${where} did not answer: Tide does not connect there: ${this.refused}`);
    try {
      return await send(await this.ecs);
    } catch (error) {
      throw new ProviderError('ecs', operation, `${where} ${answer(error)}`, { cause: error });
    }
  }
}

export const ecs: CreateProvider<EcsTarget> = (target, context) => {
  const endpoint = target.endpoint ?? context.endpoints?.ecs;
  const refused = endpoint && URL.canParse(endpoint) ? hostRefusal(new URL(endpoint).hostname, context.guard) : undefined;
  return new EcsProvider(target, clientFor(target.region, endpoint, context.guard), refused);
};

function clientFor(region: string, endpoint: string | undefined, guard: TargetGuard): Promise<Ecs> {
  const key = `${region} ${endpoint ?? ''} ${guard.localStack} ${guard.allowedTargets?.join(',') ?? ''}`;
  let client = clients.get(key);
  if (!client) clients.set(key, (client = import('@aws-sdk/client-ecs').then((sdk) => ({ sdk, client: new sdk.ECSClient(clientOptions(region, endpoint, guard)) }))));
  return client;
}

/**
 * A loopback endpoint is a local fake or emulator and gets fixed credentials;
 * any other (a VPC endpoint) is real ECS and signs with the role's. Timeouts
 * keep a silent endpoint from holding the function until Lambda kills it. A
 * chosen endpoint connects only where the target guard allows.
 */
function clientOptions(region: string, endpoint: string | undefined, guard: TargetGuard) {
  const local = endpoint && isLoopbackUrl(endpoint) ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  const agents = endpoint ? { httpAgent: new HttpAgent({ keepAlive: true, lookup: guardedLookup(guard) }), httpsAgent: new HttpsAgent({ keepAlive: true, lookup: guardedLookup(guard) }) } : {};
  return { region, maxAttempts: 3, requestHandler: { connectionTimeout: 3_000, requestTimeout: parseDuration(TIMEOUT), throwOnRequestTimeout: true, ...agents }, ...(endpoint ? { endpoint } : {}), ...local };
}

/** "answered ServiceNotActiveException: Service was not ACTIVE.", or as the HTTP providers say it, "did not answer: ECONNREFUSED". */
function answer(error: unknown): string {
  const { name, message, $metadata } = (error ?? {}) as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  if ($metadata?.httpStatusCode === undefined) return `did not answer: ${unanswered(error, TIMEOUT)}`;
  const text = typeof message === 'string' && message ? message : String(error);
  return `answered ${typeof name === 'string' && name ? `${name}: ` : ''}${text}`;
}
