/**
 * `npm run smoke`: what a newcomer does after `npm start`, automated. Starts
 * the local stack on free ports with a throw-away data folder, creates an
 * agent key, posts SPEC.md's example batch, reads it back; registers a
 * service behind an http target, posts high CPU, evaluates once and checks
 * the call, the event and the replicas; triggers a webhook receiver's URL;
 * then stops.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './local/dynamodb';

const root = join(import.meta.dirname, '..');

/** The platform behind an `http` target: answers GET with its replicas, applies POSTed scalings. */
async function startPlatform(replicas: number) {
  const calls: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.method === 'POST') {
        const scale = JSON.parse(body) as { to: number };
        calls.push(scale);
        replicas = scale.to;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ replicas }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/scale`, calls, close: () => server.close() };
}

async function main(): Promise<void> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const token = 'smoke-admin-token';
  const dataDir = mkdtempSync(join(tmpdir(), 'tide-smoke-'));
  const stack = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The smoke evaluates on demand; a scheduled run at the same moment would hold the lease and answer "busy".
    env: { ...process.env, TIDE_HTTP_PORT: String(httpPort), TIDE_LAMBDA_PORT: String(lambdaPort), TIDE_ADMIN_TOKEN: token, TIDE_STATE_DIR: dataDir, TIDE_EVALUATOR_SCHEDULE: 'false', NODE_NO_WARNINGS: '1' },
  });
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const watch = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Tide is running')) resolve();
    };
    stack.stdout?.on('data', watch);
    stack.stderr?.on('data', watch);
    stack.once('exit', (code) => reject(new Error(`the stack exited with ${code}:\n${log}`)));
  });
  const stop = () => {
    try {
      if (stack.pid) process.kill(-stack.pid, 'SIGINT');
    } catch {
      // already stopped
    }
  };
  try {
    await ready;
    const base = `http://127.0.0.1:${httpPort}`;
    const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/v1/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ namespace: 'default', name: 'worker1' }) });
    const key = ((await created.json()) as { key: string }).key;
    if (created.status !== 201 || !key) throw new Error(`POST /v1/keys answered ${created.status}`);
    const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const batch = {
      node: 'worker1',
      batchId: '0f8e2c1a-smoke',
      samples: [
        { ts, service: 'myweb', container: '1e7563c03ae9', cpu_ratio: 37.5, mem_usage: 52428800, mem_limit: 536870912, mem_ratio: 9.8, net_read: 1024, net_write: 2048, blk_read: 0, blk_write: 4096, custom: { http_requests_per_second: 120.5, response_time_ms: 230 } },
      ],
    };
    const posted = await fetch(`${base}/v1/metrics`, { method: 'POST', headers: { ...admin, authorization: `Bearer ${key}` }, body: JSON.stringify(batch) });
    const answer = await posted.json();
    if (posted.status !== 202) throw new Error(`POST /v1/metrics answered ${posted.status} ${JSON.stringify(answer)}`);
    const read = await fetch(`${base}/v1/services/myweb/metrics?metric=cpu_ratio`, { headers: admin });
    const points = ((await read.json()) as { points: Array<{ value: number; count: number }> }).points;
    if (points.length !== 1 || points[0]?.value !== 37.5) throw new Error(`metrics read back ${JSON.stringify(points)}`);

    // Issue 3's walk-through: a service behind the http target, high CPU, one evaluation.
    const platform = await startPlatform(3);
    try {
      const put = await fetch(`${base}/v1/services/myweb`, {
        method: 'PUT',
        headers: admin,
        body: JSON.stringify({
          mode: 'auto', min: 1, max: 10,
          target: { provider: 'http', url: platform.url },
          policy: { rules: [{ type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '2m', increaseBy: 1 }] },
        }),
      });
      if (put.status !== 201) throw new Error(`PUT /v1/services/myweb answered ${put.status} ${await put.text()}`);
      const hot = { node: 'worker1', samples: [{ ts, service: 'myweb', container: '1e7563c03ae9', cpu_ratio: 85 }, { ts, service: 'myweb', container: '44fc2346b432', cpu_ratio: 95 }] };
      await fetch(`${base}/v1/metrics`, { method: 'POST', headers: { ...admin, authorization: `Bearer ${key}` }, body: JSON.stringify(hot) });
      const evaluated = await fetch(`${base}/v1/evaluate`, { method: 'POST', headers: admin, body: '{}' });
      const decisions = ((await evaluated.json()) as { decisions: Array<{ status: string; to: number; reason: string }> }).decisions;
      if (decisions[0]?.status !== 'applied' || platform.calls.length !== 1) throw new Error(`evaluation: ${JSON.stringify(decisions)}, platform calls ${platform.calls.length}`);
      const events = (await (await fetch(`${base}/v1/services/myweb/events`, { headers: admin })).json()) as { items: Array<{ reason: string }> };
      const shown = (await (await fetch(`${base}/v1/services/myweb`, { headers: admin })).json()) as { status: { replicas: number } };
      if (shown.status.replicas !== 4 || !events.items[0]?.reason.includes('> 70')) throw new Error(`after scaling: ${JSON.stringify({ shown, events })}`);
      console.log(`smoke: scaled myweb 3 → ${shown.status.replicas}: ${events.items[0].reason}`);

      // Issue 4's walk-through: a receiver's URL, POSTed with nothing else, as Rancher's docs show it.
      const receiver = await fetch(`${base}/v1-webhooks/receivers?projectId=default`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'scale-web-up', driver: 'scaleService', scaleServiceConfig: { serviceId: 'myweb', action: 'up', amount: 1, min: 1, max: 10 } }),
      });
      const { url } = (await receiver.json()) as { url: string };
      if (receiver.status !== 200 || !url) throw new Error(`POST /v1-webhooks/receivers answered ${receiver.status}`);
      const triggered = await fetch(url, { method: 'POST' });
      const after = (await (await fetch(`${base}/v1/services/myweb`, { headers: admin })).json()) as { status: { replicas: number } };
      if (triggered.status !== 200 || after.status.replicas !== 5) throw new Error(`webhook answered ${triggered.status}; replicas ${after.status.replicas}`);
      console.log(`smoke: webhook scaled myweb 4 → ${after.status.replicas}`);
    } finally {
      platform.close();
    }
    console.log('smoke: 3 passed, 0 failed');
  } finally {
    stop();
    await new Promise((resolve) => (stack.exitCode === null ? stack.once('exit', resolve) : resolve(null)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
