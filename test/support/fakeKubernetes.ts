import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

// A stand-in for a Kubernetes API server's scale subresources on 127.0.0.1:
// GET and merge-PATCH /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}/scale,
// answering autoscaling/v1 Scale objects and, for errors, the API's Status
// objects, shaped as the Kubernetes API reference shows them.

export interface FakeKubernetesCall {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const SCALE_PATH = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets)\/([^/]+)\/scale$/;

function status(code: number, reason: string, message: string, details?: Record<string, string>) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function scale(namespace: string, name: string, replicas: number) {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid: '934db57d-dfb3-11e7-9c19-fa163e2d897b', resourceVersion: '418871', creationTimestamp: '2017-12-13T03:13:22Z' },
    // Kubernetes omits spec.replicas when it is 0 (omitempty).
    spec: replicas > 0 ? { replicas } : {},
    status: { replicas, selector: `app=${name}` },
  };
}

/** Starts the fake with workloads keyed `namespace/plural/name` → replicas; only `token` is let in. */
export async function startFakeKubernetes(options: { token: string; workloads: Record<string, number>; tls?: { key: string; cert: string } }) {
  const state = { workloads: new Map(Object.entries(options.workloads)), calls: [] as FakeKubernetesCall[] };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      state.calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const answer = (code: number, json: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(json));

      if (req.headers.authorization !== `Bearer ${options.token}`) return answer(401, status(401, 'Unauthorized', 'Unauthorized'));
      const match = SCALE_PATH.exec(req.url ?? '');
      if (!match) return answer(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      const [, namespace = '', plural = '', name = ''] = match;
      const key = `${namespace}/${plural}/${name}`;
      const replicas = state.workloads.get(key);
      if (replicas === undefined) return answer(404, status(404, 'NotFound', `${plural}.apps "${name}" not found`, { name, group: 'apps', kind: plural }));
      if (req.method === 'GET') return answer(200, scale(namespace, name, replicas));
      if (req.method === 'PATCH') {
        if (req.headers['content-type'] !== 'application/merge-patch+json') {
          return answer(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`));
        }
        const wanted = (JSON.parse(body) as { spec?: { replicas?: number } }).spec?.replicas;
        if (typeof wanted !== 'number' || wanted < 0) {
          return answer(422, status(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${wanted}: must be greater than or equal to 0`));
        }
        state.workloads.set(key, wanted);
        return answer(200, scale(namespace, name, wanted));
      }
      return answer(405, status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`));
    })();
  };
  const server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
