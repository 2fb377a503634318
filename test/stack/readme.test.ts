/**
 * The path a newcomer takes, taken literally: `npm start` in a copy of the
 * checkout, then every shell example of README.md in order in one bash
 * session, the scale hook and the built agent included. The only rewrite is
 * the hook's port, 8088 in the README, which the test picks free.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';
import { CGROUP_V2_STATS } from '../agent/dockerExamples';
import { container, startFakeDocker } from '../agent/fakeDocker';
import { checkoutView, npmStart, root, userEnvironment, type RunningStack } from './localStack';
import { readmeBlocks, readmeScript } from './readme';

const SHOP = ['5f4e3d2c1b0a', '0a1b2c3d4e5f'].map((short) => `${short}${'d'.repeat(52)}`);

let view: ReturnType<typeof checkoutView>;
let docker: Awaited<ReturnType<typeof startFakeDocker>>;
let stack: RunningStack;
let logDir: string;
let run: { code: number; output: string };
let hookPort: number;

beforeAll(async () => {
  view = checkoutView();
  logDir = mkdtempSync(join(tmpdir(), 'tide-readme-'));
  docker = await startFakeDocker();
  for (const id of SHOP) {
    docker.state.containers.push(container(id, `shop.1.${id.slice(0, 6)}`, { 'com.docker.swarm.service.name': 'shop' }));
    docker.state.stats[id] = CGROUP_V2_STATS;
  }
  hookPort = await freePort();
  // README: "SCALE_HOOK_SECRET=change-me npm start".
  stack = await npmStart(view.dir, { TIDE_HTTP_PORT: String(await freePort()), SCALE_HOOK_SECRET: 'change-me' });
  const blocks = readmeBlocks(join(root, 'README.md')).map((block) => ({ ...block, code: block.code.replaceAll('127.0.0.1:8088', `127.0.0.1:${hookPort}`) }));
  const env = userEnvironment({ PORT: String(hookPort), DOCKER_HOST: `unix://${docker.socketPath}`, TIDE_INTERVAL: '1s', TIDE_SAMPLE_INTERVAL: '1s' });
  try {
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', readmeScript(blocks, logDir)], { cwd: view.dir, env, maxBuffer: 64 * 1024 * 1024 });
    run = { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    run = { code: failed.code, output: failed.stdout + failed.stderr };
  }
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  await docker?.close();
  view?.remove();
  rmSync(logDir, { recursive: true, force: true });
});

const blockLog = (command: string) => {
  const block = readmeBlocks(join(root, 'README.md')).find((b) => b.mode === 'background' && b.code.includes(command));
  return readFileSync(join(logDir, `block-${block?.line}.log`), 'utf8');
};

describe('README.md, run as written against npm start', () => {
  it('runs every shell example without an error', () => {
    expect(run.output.slice(-4000)).not.toMatch(/curl: \(22\)|command not found|No such file/);
    expect(run.code, run.output.slice(-4000)).toBe(0);
  });

  it('scales myweb through the http target, signed with the env: secret of the shell that ran npm start', () => {
    const hook = blockLog('examples/scale-hook.mjs');
    expect(hook).toMatch(/scaled myweb 2 → 3 \(signature ok, policy\)/);
    expect(hook).toMatch(/\(signature ok, manual\)/);
    expect(hook).toMatch(/\(signature ok, webhook\)/);
    expect(hook).not.toMatch(/bad signature/);
  });

  it('delivers every sample the built agent read from Docker, gzipped, through the HTTP API', async () => {
    const agent = blockLog('dist/tide-agent.cjs');
    expect(agent).toMatch(/"stopped"/);
    expect(agent).not.toMatch(/uncompressed|refused|unreachable/);
    const read = docker.state.requests.filter((url) => SHOP.some((id) => url.startsWith(`/containers/${id}/stats`))).length;
    const answer = await fetch(`${stack.url}/v1/services/shop/metrics?metric=mem_usage&stat=mean`, { headers: { authorization: `Bearer ${stack.token}` } });
    const { points } = (await answer.json()) as { points: Array<{ count: number }> };
    expect(read).toBeGreaterThanOrEqual(SHOP.length);
    expect(points.reduce((sum, p) => sum + p.count, 0)).toBe(read);
  });

  it('answers every request without a function failing or logging an error', () => {
    const errors = stack.output().split('\n').filter((line) => /^\[(ingest|admin|webhook)\]|"level":"ERROR"/.test(line));
    expect(errors).toEqual([]);
  });
});
