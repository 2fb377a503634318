import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ecs } from '../../lib/providers/ecs';
import { ecsTarget } from '../../lib/targets/ecs';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { startFakeEcs } from '../support/fakeEcs';
import { closedPortUrl } from '../support/loopback';
import { problemLines } from '../support/problems';

let fake: Awaited<ReturnType<typeof startFakeEcs>>;

beforeAll(async () => {
  fake = await startFakeEcs([]);
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.state.calls.length = 0;
  fake.state.services.clear();
  for (const s of [
    { cluster: 'web', name: 'myweb', desiredCount: 3, status: 'ACTIVE' as const },
    { cluster: 'web', name: 'retired', desiredCount: 0, status: 'INACTIVE' as const },
  ]) {
    fake.state.services.set(`${s.cluster}/${s.name}`, s);
  }
});

const context: ProviderContext = { resolveSecret: () => Promise.reject(new Error('ecs needs no secret')), guard: { localStack: true } };

function provider(target: Record<string, unknown> = {}) {
  return ecs(ecsTarget.parse({ provider: 'ecs', cluster: 'web', service: 'myweb', region: 'eu-west-1', endpoint: fake.url, ...target }), context);
}

const request: ScaleRequest = { namespace: 'default', service: 'myweb', from: 3, to: 5, trigger: 'policy', reason: 'cpu_ratio mean 83.1 > 70 for 10m', ts: 0 };

describe('Method: readReplicas', () => {
  it("reads the service's desiredCount with DescribeServices, signed for the target's region", async () => {
    expect(await provider().readReplicas()).toBe(3);
    const [call] = fake.state.calls;
    expect(call?.target).toBe('AmazonEC2ContainerServiceV20141113.DescribeServices');
    expect(call?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(call?.body).toEqual({ cluster: 'web', services: ['myweb'] });
    expect(call?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/eu-west-1\/ecs\/aws4_request/);
  });

  it('fails naming the cluster and service when ECS reports it MISSING', async () => {
    await expect(provider({ service: 'nope' }).readReplicas()).rejects.toThrow(
      new ProviderError('ecs', 'read', 'DescribeServices found no service nope in cluster web (eu-west-1): MISSING'),
    );
  });

  it('fails on a deleted (INACTIVE) service rather than scaling from its count', async () => {
    await expect(provider({ service: 'retired' }).readReplicas()).rejects.toThrow(new ProviderError('ecs', 'read', 'service retired in cluster web is INACTIVE'));
  });

  it("passes on ECS's error answer", async () => {
    await expect(provider({ cluster: 'nope' }).readReplicas()).rejects.toThrow(
      new ProviderError('ecs', 'read', 'DescribeServices nope/myweb answered ClusterNotFoundException: Cluster not found.'),
    );
  });

  it('fails when nothing listens', async () => {
    const failure = await provider({ endpoint: await closedPortUrl() })
      .readReplicas()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as Error).message).toMatch(/^ecs read failed: DescribeServices web\/myweb did not answer: .*ECONNREFUSED/);
  });

  it('goes to TIDE_ECS_ENDPOINT when the target names no endpoint', async () => {
    const target = ecsTarget.parse({ provider: 'ecs', cluster: 'web', service: 'myweb', region: 'eu-west-1' });
    expect(await ecs(target, { ...context, endpoints: { ecs: fake.url } }).readReplicas()).toBe(3);
  });
});

describe('Method: setReplicas', () => {
  it('sets desiredCount with UpdateService', async () => {
    await provider().setReplicas(request);
    const [call] = fake.state.calls;
    expect(call?.target).toBe('AmazonEC2ContainerServiceV20141113.UpdateService');
    expect(call?.body).toEqual({ cluster: 'web', service: 'myweb', desiredCount: 5 });
    expect(fake.service('web', 'myweb')?.desiredCount).toBe(5);
  });

  it("fails with ECS's exception and message", async () => {
    await expect(provider({ service: 'retired' }).setReplicas(request)).rejects.toThrow(
      new ProviderError('ecs', 'scale', 'UpdateService web/retired answered ServiceNotActiveException: Service was not ACTIVE.'),
    );
    await expect(provider({ service: 'nope' }).setReplicas(request)).rejects.toThrow(
      new ProviderError('ecs', 'scale', 'UpdateService web/nope answered ServiceNotFoundException: Service not found.'),
    );
  });
});

describe('ecsTarget', () => {
  function problems(input: Record<string, unknown>): string[] {
    return problemLines(ecsTarget, { provider: 'ecs', cluster: 'web', service: 'myweb', region: 'eu-west-1', ...input });
  }

  it.each([
    { name: 'names', input: {} },
    { name: 'ARNs', input: { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/web', service: 'arn:aws:ecs:eu-west-1:123456789012:service/web/myweb' } },
    { name: 'a VPC endpoint', input: { endpoint: 'https://vpce-0123-abcd.ecs.eu-west-1.vpce.amazonaws.com' } },
    { name: 'a local fake', input: { endpoint: 'http://localhost:4566' } },
  ])('accepts $name', ({ input }) => {
    expect(problems(input)).toEqual([]);
  });

  it.each([
    {
      name: 'no cluster, service or region',
      input: { cluster: undefined, service: undefined, region: undefined },
      problems: [
        'cluster: must be an ECS cluster name (1-255 letters, digits, - or _) or a cluster ARN',
        'service: must be an ECS service name (1-255 letters, digits, - or _) or a service ARN',
        'region: must be an AWS region such as eu-west-1',
      ],
    },
    { name: 'a name with spaces', input: { service: 'my web' }, problems: ['service: must be an ECS service name (1-255 letters, digits, - or _) or a service ARN'] },
    { name: 'a region that is not one', input: { region: 'Ireland' }, problems: ['region: must be an AWS region such as eu-west-1'] },
    { name: 'a plain-http remote endpoint', input: { endpoint: 'http://ecs.example' }, problems: ['endpoint: must be an https:// URL (http:// only on localhost or 127.0.0.1)'] },
    {
      name: 'credentials',
      input: { credentials: 'env:AWS_SECRET' },
      problems: ['credentials: must not be set: Tide calls ECS with its own role (ecs:DescribeServices, ecs:UpdateService in serverless.yml)'],
    },
  ])('refuses $name', ({ input, problems: expected }) => {
    expect(problems(input)).toEqual(expected);
  });
});
