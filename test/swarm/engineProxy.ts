import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProxiedCall {
  method: string;
  url: string;
}

export interface EngineProxy {
  /** `unix:///…/engine.sock`, for DOCKER_HOST or a swarm target's endpoint. */
  socket: string;
  close(): Promise<void>;
}

/**
 * A unix socket that hands every request on to a real engine's socket and its
 * answer back, unchanged: `before` runs ahead of the engine seeing a request
 * (another writer can act there), `answered` sees each answer.
 */
export async function startEngineProxy(
  engineSocket: string,
  hooks: { before?(call: ProxiedCall): Promise<void>; answered?(call: ProxiedCall, status: number, body: Buffer): void },
): Promise<EngineProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'tide-engine-proxy-'));
  const socketPath = join(dir, 'engine.sock');
  const server = createServer(async (incoming, outgoing) => {
    const call = { method: incoming.method ?? 'GET', url: incoming.url ?? '/' };
    const body = await readAll(incoming);
    await hooks.before?.(call);
    const forwarded = request({ socketPath: engineSocket.replace(/^unix:\/\//, ''), method: call.method, path: call.url, headers: incoming.headers }, async (answer) => {
      const answerBody = await readAll(answer);
      hooks.answered?.(call, answer.statusCode ?? 0, answerBody);
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers).end(answerBody);
    });
    forwarded.on('error', (error) => outgoing.writeHead(502).end(error.message));
    forwarded.end(body);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socket: `unix://${socketPath}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
