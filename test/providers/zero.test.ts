import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alauda } from '../../lib/providers/alauda';
import { ecs } from '../../lib/providers/ecs';
import { http } from '../../lib/providers/http';
import { kubernetes } from '../../lib/providers/kubernetes';
import { occs } from '../../lib/providers/occs';
import type { Provider, ProviderContext, ScaleRequest } from '../../lib/providers/provider';
import { rancher } from '../../lib/providers/rancher';
import { resolveSecret } from '../../lib/secrets';
import { alaudaTarget } from '../../lib/targets/alauda';
import { ecsTarget } from '../../lib/targets/ecs';
import { httpTarget } from '../../lib/targets/http';
import { kubernetesTarget } from '../../lib/targets/kubernetes';
import { occsTarget } from '../../lib/targets/occs';
import { rancherTarget } from '../../lib/targets/rancher';
import { startFakeEcs } from '../support/fakeEcs';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { startFakeKubernetes } from '../support/fakeKubernetes';
import { startRestPlatform } from '../support/fakeRestPlatform';

// Every platform that can run no replicas is asked for 0 as for any count, reads back 0, and
// wakes again from there. (Swarm against the real Docker Engine: test/swarm/swarm.test.ts.)

const TOKEN = 'token-zero1:zero-test-secret-do-not-leak';
process.env.TIDE_TEST_ZERO_TOKEN = TOKEN;
process.env.TIDE_TEST_ZERO_RANCHER16 = '8C0A9D0B7A6A4E1D4E2C:rancher16-zero-secret';

const context: ProviderContext = { resolveSecret: (reference) => resolveSecret(reference), guard: { localStack: true } };

/** Rancher 1.6 and 2.x, Alauda and OCCS on one REST fake: each resource merges what a write sends, as the platforms do. */
const PATHS = {
  cattle: '/v2-beta/projects/1a5/services/1s12',
  workload: '/v3/project/c-abc12:p-xyz34/workloads/deployment:default:worker',
  alauda: '/v1/services/madams/worker/',
  occs: '/api/v2/deployments/jobs-20171011',
};
const resources: Record<string, Record<string, unknown>> = {};
let rest: Awaited<ReturnType<typeof startRestPlatform>>;
let fakeEcs: Awaited<ReturnType<typeof startFakeEcs>>;
let fakeKubernetes: Awaited<ReturnType<typeof startFakeKubernetes>>;
let hook: Awaited<ReturnType<typeof startHttpTarget>>;

beforeAll(async () => {
  Object.assign(resources, {
    [PATHS.cattle]: { id: '1s12', type: 'service', name: 'worker', state: 'active', scale: 1, currentScale: 1 },
    [PATHS.workload]: { id: 'deployment:default:worker', type: 'workload', name: 'worker', state: 'active', scale: 1 },
    [PATHS.alauda]: { service_name: 'worker', namespace: 'madams', target_state: 'STARTED', target_num_instances: 1, current_num_instances: 1 },
    [PATHS.occs]: { deployment: { deployment_id: 'jobs-20171011', deployment_name: 'jobs', quantities: { worker: 1, redis: 1 }, desired_state: 0, generation: 1 } },
  });
  rest = await startRestPlatform(({ method, url, body }) => {
    const resource = resources[url];
    if (!resource) return undefined;
    if (method === 'PUT') {
      if (url === PATHS.occs) Object.assign(resource.deployment as object, body);
      else Object.assign(resource, body);
    }
    return { status: 200, body: resource };
  });
  fakeEcs = await startFakeEcs([{ cluster: 'jobs', name: 'worker', desiredCount: 1, status: 'ACTIVE' }]);
  fakeKubernetes = await startFakeKubernetes({ token: TOKEN, workloads: { 'jobs/deployments/worker': 1 } });
  hook = await startHttpTarget(1);
});

afterAll(async () => {
  await Promise.all([rest.close(), fakeEcs.close(), fakeKubernetes.close(), hook.close()]);
});

/** Each platform's provider, and the replicas its last write asked the platform for. */
const platforms: Array<{ name: string; provider: () => Provider; sent: () => unknown }> = [
  {
    name: 'ECS: desiredCount 0',
    provider: () => ecs(ecsTarget.parse({ provider: 'ecs', cluster: 'jobs', service: 'worker', region: 'eu-west-1', endpoint: fakeEcs.url }), context),
    sent: () => fakeEcs.state.calls.filter((c) => c.target.endsWith('UpdateService')).at(-1)?.body.desiredCount,
  },
  {
    name: 'Kubernetes: spec.replicas 0, which the Scale then leaves out',
    provider: () => kubernetes(kubernetesTarget.parse({ provider: 'kubernetes', apiServer: fakeKubernetes.url, namespace: 'jobs', kind: 'Deployment', name: 'worker', credentials: 'env:TIDE_TEST_ZERO_TOKEN' }), context),
    sent: () => (JSON.parse(fakeKubernetes.state.calls.filter((c) => c.method === 'PATCH').at(-1)?.body ?? '{}') as { spec?: { replicas?: number } }).spec?.replicas,
  },
  {
    name: 'Rancher 1.6: scale 0',
    provider: () => rancher(rancherTarget.parse({ provider: 'rancher', url: rest.url, projectId: '1a5', serviceId: '1s12', credentials: 'env:TIDE_TEST_ZERO_RANCHER16' }), context),
    sent: () => lastPut(PATHS.cattle)?.scale,
  },
  {
    name: 'Rancher 2.x: scale 0',
    provider: () => rancher(rancherTarget.parse({ provider: 'rancher', url: rest.url, project: 'c-abc12:p-xyz34', workload: 'deployment:default:worker', credentials: 'env:TIDE_TEST_ZERO_TOKEN' }), context),
    sent: () => lastPut(PATHS.workload)?.scale,
  },
  {
    name: 'Alauda: target_num_instances 0',
    provider: () => alauda(alaudaTarget.parse({ provider: 'alauda', url: rest.url, namespace: 'madams', serviceName: 'worker', credentials: 'env:TIDE_TEST_ZERO_TOKEN' }), context),
    sent: () => lastPut(PATHS.alauda)?.target_num_instances,
  },
  {
    name: "OCCS: the service's quantity 0, the deployment's other services unchanged",
    provider: () => occs(occsTarget.parse({ provider: 'occs', url: rest.url, deploymentId: 'jobs-20171011', serviceName: 'worker', credentials: 'env:TIDE_TEST_ZERO_TOKEN' }), context),
    sent: () => (lastPut(PATHS.occs)?.quantities as Record<string, number> | undefined)?.worker,
  },
  {
    name: 'the http target: to 0',
    provider: () => http(httpTarget.parse({ provider: 'http', url: hook.url }), context),
    sent: () => hook.state.received.at(-1)?.body.to,
  },
];

/** The body of the last write to a resource of the REST fake. */
function lastPut(path: string): Record<string, unknown> | undefined {
  return rest.received.filter((r) => r.method === 'PUT' && r.url === path).at(-1)?.body as Record<string, unknown> | undefined;
}

const scaling = (from: number, to: number): ScaleRequest => ({ namespace: 'default', service: 'worker', from, to, trigger: 'policy', reason: 'idle 10m (queue_depth 0): → 0', ts: 0 });

describe('a provider at zero', () => {
  it.each(platforms)('$name, reads 0 back, and wakes to 1', async ({ provider, sent }) => {
    const platform = provider();
    await platform.setReplicas(scaling(1, 0));
    expect(sent()).toBe(0);
    expect(await platform.readReplicas()).toBe(0);
    await platform.setReplicas(scaling(0, 1));
    expect(await platform.readReplicas()).toBe(1);
  });

  it('OCCS keeps the quantities of the services it does not scale', () => {
    expect((resources[PATHS.occs]?.deployment as { quantities: object }).quantities).toEqual({ worker: 1, redis: 1 });
  });
});
