import { createServer, type Server } from 'node:http';

export interface ReceivedScale {
  body: Record<string, unknown>;
  raw: string;
  signature: string | undefined;
}

/**
 * A platform behind Tide's generic `http` target, on 127.0.0.1: answers GET
 * with its replicas and applies POSTed scalings, or fails them when told to.
 * `hold()` keeps the next POST waiting until the returned release is called.
 */
export async function startHttpTarget(initialReplicas: number) {
  const state = { replicas: initialReplicas, failWith: 0, received: [] as ReceivedScale[] };
  let gate: { entered: () => void; release: Promise<void> } | undefined;
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ replicas: state.replicas }));
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as Record<string, unknown>;
      state.received.push({ body, raw, signature: req.headers['x-tide-signature'] as string | undefined });
      if (gate) {
        const current = gate;
        gate = undefined;
        current.entered();
        await current.release;
      }
      if (state.failWith) {
        res.writeHead(state.failWith).end('platform is down');
        return;
      }
      state.replicas = Number(body.to);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/scale`,
    state,
    /** Holds the next POST; resolves `entered` once it arrives. */
    hold() {
      let release!: () => void;
      let entered!: () => void;
      const arrived = new Promise<void>((resolve) => (entered = resolve));
      gate = { entered, release: new Promise<void>((resolve) => (release = resolve)) };
      return { arrived, release };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
