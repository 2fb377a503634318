import { request } from 'node:http';
import type { RunningContainer } from './services';
import type { DockerStats } from './stats';

/** Where the Docker Engine API listens: its unix socket, or a plain-HTTP TCP port (`DOCKER_HOST`). */
export type DockerEndpoint = { socketPath: string } | { host: string; port: number };

/** The two calls the agent needs from the Docker Engine API, so tests can stand in for exactly these. */
export interface DockerEngine {
  runningContainers(): Promise<RunningContainer[]>;
  stats(containerId: string): Promise<DockerStats>;
}

/** A daemon that hangs must not stall every later cycle. */
const REQUEST_TIMEOUT_MS = 10_000;

interface ContainerSummary {
  Id: string;
  Names?: string[];
  Labels?: Record<string, string> | null;
}

export class DockerApiError extends Error {
  override readonly name = 'DockerApiError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A client on node:http for the unversioned API paths: the daemon answers
 * them in its own newest version, so the agent keeps working across Docker
 * releases that drop old API versions.
 */
export function dockerEngine(endpoint: DockerEndpoint): DockerEngine {
  return {
    async runningContainers() {
      // Without `all=1` the daemon lists running containers only.
      const list = (await getJson(endpoint, '/containers/json')) as ContainerSummary[];
      return list.map((c) => ({ id: c.Id, name: (c.Names?.[0] ?? c.Id).replace(/^\//, ''), labels: c.Labels ?? {} }));
    },
    async stats(containerId) {
      // one-shot: answer at once instead of waiting a second for a second
      // reading; the agent takes CPU and rates against its previous cycle.
      return (await getJson(endpoint, `/containers/${encodeURIComponent(containerId)}/stats?stream=false&one-shot=true`)) as DockerStats;
    },
  };
}

function getJson(endpoint: DockerEndpoint, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ ...endpoint, path, method: 'GET', timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          reject(new DockerApiError(res.statusCode ?? 0, `GET ${path}: ${res.statusCode} ${errorMessage(text)}`));
          return;
        }
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`GET ${path}: the answer is not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The daemon's errors are `{"message": "..."}`. */
function errorMessage(text: string): string {
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? text);
  } catch {
    return text;
  }
}
