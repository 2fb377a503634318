import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerStats } from '../../agent/stats';

export interface FakeContainer {
  Id: string;
  Names: string[];
  Labels: Record<string, string>;
  State: 'running';
}

/**
 * A stand-in for the Docker Engine API on a unix socket in a temp dir, as the
 * agent reaches the real one: `GET /containers/json` lists `containers`,
 * `GET /containers/{id}/stats` answers `stats[id]`, or 404 as the daemon does
 * for a container that is gone.
 */
export async function startFakeDocker() {
  const dir = await mkdtemp(join(tmpdir(), 'tide-docker-'));
  const socketPath = join(dir, 'docker.sock');
  const state = { containers: [] as FakeContainer[], stats: {} as Record<string, DockerStats>, requests: [] as string[] };
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    state.requests.push(url);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url === '/containers/json') return json(200, state.containers);
    const id = /^\/containers\/([^/]+)\/stats\?/.exec(url)?.[1];
    const stats = id === undefined ? undefined : state.stats[decodeURIComponent(id)];
    if (stats) return json(200, stats);
    return json(404, { message: `No such container: ${id ?? url}` });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    state,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function container(id: string, name: string, labels: Record<string, string> = {}): FakeContainer {
  return { Id: id, Names: [`/${name}`], Labels: labels, State: 'running' };
}
