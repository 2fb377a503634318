import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import * as z from 'zod';
import { hostRefusal, type TargetGuard } from './addresses';
import { guardedLookup } from './network';
import { ProviderError, type Provider, type ProviderDefinition, type ScaleRequest } from './provider';

// An Amazon ECS service: its desiredCount is the replicas. Tide calls ECS with
// its own Lambda role, so the target names no secret; the role's policy in
// serverless.yml grants ecs:DescribeServices and ecs:UpdateService.

const RULE = {
  // ECS names: up to 255 letters, digits, hyphens and underscores; the API also takes full ARNs.
  cluster: 'must be an ECS cluster name (1-255 letters, digits, - or _) or a cluster ARN',
  service: 'must be an ECS service name (1-255 letters, digits, - or _) or a service ARN',
  region: 'must be an AWS region such as eu-west-1',
  endpoint: 'must be an https:// URL (http:// only on localhost or 127.0.0.1)',
  credentials: 'must not be set: Tide calls ECS with its own role (ecs:DescribeServices, ecs:UpdateService in serverless.yml)',
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export const ecsTarget = z.strictObject({
  provider: z.literal('ecs'),
  cluster: z.string({ error: RULE.cluster }).regex(/^[A-Za-z0-9_-]{1,255}$|^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/, { error: RULE.cluster }),
  service: z.string({ error: RULE.service }).regex(/^[A-Za-z0-9_-]{1,255}$|^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/[A-Za-z0-9_/-]{1,512}$/, { error: RULE.service }),
  region: z.string({ error: RULE.region }).regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, { error: RULE.region }),
  /** A VPC endpoint, or a local fake in tests; TIDE_ECS_ENDPOINT sets one for every ecs target. */
  endpoint: z.string({ error: RULE.endpoint }).refine(allowedEndpoint, { error: RULE.endpoint }).optional(),
  // Named so that a target copied from another provider is told why, not just "unrecognized key".
  credentials: z.never({ error: RULE.credentials }).optional(),
});

export type EcsTarget = z.output<typeof ecsTarget>;

/** The one method the provider uses; the real ECSClient, or anything with its shape. */
export type EcsClient = Pick<ECSClient, 'send'>;

// Clients live as long as the warm Lambda container, one per region and endpoint, so connections are reused.
const clients = new Map<string, ECSClient>();

export class EcsProvider implements Provider {
  constructor(
    private readonly target: EcsTarget,
    private readonly client: EcsClient,
    /** Why the endpoint may not be reached (a refused literal address), checked before any call. */
    private readonly refused?: string,
  ) {}

  async readReplicas(): Promise<number | undefined> {
    const { cluster, service } = this.target;
    const out = await this.call('read', 'DescribeServices', () => this.client.send(new DescribeServicesCommand({ cluster, services: [service] })));
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
    await this.call('scale', 'UpdateService', () => this.client.send(new UpdateServiceCommand({ cluster, service, desiredCount: request.to })));
  }

  private async call<T>(operation: 'read' | 'scale', action: string, send: () => Promise<T>): Promise<T> {
    const where = `${action} ${this.target.cluster}/${this.target.service}`;
    if (this.refused) throw new ProviderError('ecs', operation, `${where} did not answer: Tide does not connect there: ${this.refused}`);
    try {
      return await send();
    } catch (error) {
      throw new ProviderError('ecs', operation, `${where} ${answer(error)}`, { cause: error });
    }
  }
}

export const ecs: ProviderDefinition<EcsTarget> = {
  schema: ecsTarget,
  secretFields: [],
  urlFields: ['endpoint'],
  create: (target, context) => {
    const endpoint = target.endpoint ?? process.env.TIDE_ECS_ENDPOINT;
    const refused = endpoint && URL.canParse(endpoint) ? hostRefusal(new URL(endpoint).hostname, context.guard) : undefined;
    return new EcsProvider(target, clientFor(target.region, endpoint, context.guard), refused);
  },
};

function clientFor(region: string, endpoint: string | undefined, guard: TargetGuard): ECSClient {
  const key = `${region} ${endpoint ?? ''} ${guard.localStack} ${guard.allowedTargets?.join(',') ?? ''}`;
  let client = clients.get(key);
  if (!client) clients.set(key, (client = new ECSClient(clientOptions(region, endpoint, guard))));
  return client;
}

/**
 * A loopback endpoint is a local fake or emulator and gets fixed credentials;
 * any other (a VPC endpoint) is real ECS and signs with the role's. Timeouts
 * keep a silent endpoint from holding the function until Lambda kills it. A
 * chosen endpoint connects only where the target guard allows.
 */
function clientOptions(region: string, endpoint: string | undefined, guard: TargetGuard) {
  const local = endpoint && isLoopback(endpoint) ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  const agents = endpoint ? { httpAgent: new HttpAgent({ keepAlive: true, lookup: guardedLookup(guard) }), httpsAgent: new HttpsAgent({ keepAlive: true, lookup: guardedLookup(guard) }) } : {};
  return { region, maxAttempts: 3, requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true, ...agents }, ...(endpoint ? { endpoint } : {}), ...local };
}

function allowedEndpoint(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  if (url.username || url.password || url.search) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(text));
}

function isLoopback(endpoint: string): boolean {
  return LOOPBACK.has(new URL(endpoint).hostname);
}

/** "answered ServiceNotActiveException: Service was not ACTIVE." or "did not answer: connect ECONNREFUSED …". */
function answer(error: unknown): string {
  const { name, message, $metadata } = (error ?? {}) as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const text = typeof message === 'string' && message ? message : String(error);
  if ($metadata?.httpStatusCode === undefined) return `did not answer: ${text}`;
  return `answered ${typeof name === 'string' && name ? `${name}: ` : ''}${text}`;
}
