import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for the Amazon ECS JSON 1.1 API on 127.0.0.1, for the real SDK
// client: it serialises real requests, and the answers are the documents of
// the ECS API reference's examples (DescribeServices, UpdateService, the
// common errors), with this fake's values in them.

export interface FakeEcsService {
  cluster: string;
  name: string;
  desiredCount: number;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
}

export interface FakeEcsCall {
  target: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const ACCOUNT = '012345678910';

function serviceJson(service: FakeEcsService) {
  const taskDefinition = `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/ecs-demo:1`;
  return {
    clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${service.cluster}`,
    createdAt: 1430326887.362,
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
    deployments: [
      {
        createdAt: 1430326887.362,
        desiredCount: service.desiredCount,
        id: 'ecs-svc/9223370606521064774',
        pendingCount: 0,
        runningCount: service.desiredCount,
        status: 'PRIMARY',
        taskDefinition,
        updatedAt: 1430326887.362,
      },
    ],
    desiredCount: service.desiredCount,
    events: [],
    loadBalancers: [],
    pendingCount: 0,
    runningCount: service.desiredCount,
    serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${service.cluster}/${service.name}`,
    serviceName: service.name,
    status: service.status,
    taskDefinition,
  };
}

/** Starts the fake with some services; UpdateService changes their desiredCount as ECS does. */
export async function startFakeEcs(services: FakeEcsService[]) {
  const state = { services: new Map(services.map((s) => [`${s.cluster}/${s.name}`, s])), calls: [] as FakeEcsCall[] };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const target = String(req.headers['x-amz-target'] ?? '');
      state.calls.push({ target, headers: req.headers, body });
      const answer = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
      const error = (type: string, message: string) => answer(400, { __type: type, message });
      const cluster = typeof body.cluster === 'string' ? body.cluster : 'default';
      const clusterKnown = [...state.services.values()].some((s) => s.cluster === cluster);

      if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return error('SerializationException', 'Unexpected content type');
      if (target === `${TARGET_PREFIX}DescribeServices`) {
        if (!clusterKnown) return error('ClusterNotFoundException', 'Cluster not found.');
        const names = Array.isArray(body.services) ? (body.services as string[]) : [];
        const found = names.flatMap((n) => state.services.get(`${cluster}/${n}`) ?? []);
        const failures = names
          .filter((n) => !state.services.has(`${cluster}/${n}`))
          .map((n) => ({ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${cluster}/${n}`, reason: 'MISSING' }));
        return answer(200, { failures, services: found.map(serviceJson) });
      }
      if (target === `${TARGET_PREFIX}UpdateService`) {
        if (!clusterKnown) return error('ClusterNotFoundException', 'Cluster not found.');
        const service = state.services.get(`${cluster}/${String(body.service)}`);
        if (!service) return error('ServiceNotFoundException', 'Service not found.');
        if (service.status !== 'ACTIVE') return error('ServiceNotActiveException', 'Service was not ACTIVE.');
        if (typeof body.desiredCount === 'number') service.desiredCount = body.desiredCount;
        return answer(200, { service: serviceJson(service) });
      }
      return error('UnknownOperationException', '');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    service: (cluster: string, name: string) => state.services.get(`${cluster}/${name}`),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
