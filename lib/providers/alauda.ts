import * as z from 'zod';
import { apiPath, ApiCallError, callJson } from './jsonApi';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import type { AlaudaTarget } from '../targets/alauda';
import { PlatformClient } from './transport';

// Alauda's v1 service API, as its documentation gives it:
// `GET /v1/services/(namespace)/(service_name)/` answers the service with
// `target_num_instances` (what should run) and `current_num_instances` (what runs);
// `PUT` to the same path with `{"service_name", "target_num_instances"}` scales it
// ("更新服务 … 比如调整其实例个数"). The trailing slash is part of the documented path.
// Requests carry `Authorization: Token <token>`, the API token Alauda's clients send.

const TIMEOUT = '10s';

const serviceAnswer = z.object({ target_num_instances: z.number().int().min(0) });

export class AlaudaProvider implements Provider {
  private readonly url: string;
  private readonly platform: PlatformClient;

  constructor(
    private readonly target: AlaudaTarget,
    context: ProviderContext,
  ) {
    this.platform = new PlatformClient('alauda', context);
    this.url = apiPath(target.url, `/v1/services/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.serviceName)}/`);
  }

  /** `target_num_instances`, not `current_num_instances`: Tide compares and sets what should run. */
  async readReplicas(): Promise<number | undefined> {
    const answer = serviceAnswer.safeParse(await this.send('read', { method: 'GET' }));
    if (!answer.success) throw new ProviderError('alauda', 'read', `GET ${this.url} answered without target_num_instances`);
    return answer.data.target_num_instances;
  }

  async setReplicas(request: ScaleRequest): Promise<void> {
    await this.send('scale', { method: 'PUT', body: { service_name: this.target.serviceName, target_num_instances: request.to } });
  }

  private async send(operation: 'read' | 'scale', request: { method: 'GET' | 'PUT'; body?: unknown }): Promise<unknown> {
    const token = await this.platform.secret(operation, this.target.credentials, 'the API token');
    try {
      return await callJson(this.platform, operation, { ...request, url: this.url, authorization: `Token ${token}`, timeout: TIMEOUT });
    } catch (error) {
      if (error instanceof ApiCallError) throw new ProviderError('alauda', operation, error.message, { cause: error });
      throw error;
    }
  }
}

export const alauda: CreateProvider<AlaudaTarget> = (target, context) => new AlaudaProvider(target, context);
