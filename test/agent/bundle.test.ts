import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CGROUP_V1_STATS } from './dockerExamples';
import { container, startFakeDocker } from './fakeDocker';
import { startFakeTide } from './fakeTide';

const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'dist', 'tide-agent.cjs');

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', '--silent', 'build:agent'], { cwd: root });
}, 60_000);

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? '', ...env } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return { child, exited };
}

describe('the built agent, dist/tide-agent.cjs, as operators run it', () => {
  const stopped: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stopped) await stop();
  });

  it('refuses to start without its settings, naming them, with exit code 2', async () => {
    const { code, stderr } = await run({}).exited;
    expect(code).toBe(2);
    expect(stderr).toContain('TIDE_URL:');
    expect(stderr).toContain('TIDE_AGENT_KEY:');
  });

  it('posts a minute from the Docker socket, then exits 0 on SIGTERM', async () => {
    const docker = await startFakeDocker();
    stopped.push(docker.close);
    docker.state.containers = [container('f'.repeat(64), 'web.1.x2kd', { 'com.docker.swarm.service.name': 'web' })];
    docker.state.stats = { ['f'.repeat(64)]: CGROUP_V1_STATS };
    let posted!: () => void;
    const firstPost = new Promise<void>((resolve) => (posted = resolve));
    const tide = await startFakeTide(() => {
      posted();
      return { status: 202, body: { accepted: 1, duplicate: false } };
    });
    stopped.push(tide.close);

    const agent = run({ TIDE_URL: tide.url, TIDE_AGENT_KEY: 'tide_ak_x', TIDE_NODE: 'worker 1', TIDE_INTERVAL: '1s', TIDE_SAMPLE_INTERVAL: '1s', DOCKER_HOST: `unix://${docker.socketPath}`, TIDE_LOG_LEVEL: 'silent' });
    await firstPost;
    agent.child.kill('SIGTERM');

    expect((await agent.exited).code).toBe(0);
    expect(tide.received[0]?.batch).toMatchObject({
      node: 'worker_1',
      minutes: [{ seq: 1, services: { web: { containers: 1, metrics: { mem_usage: { count: 1, sum: 6537216, min: 6537216, max: 6537216 }, mem_limit: { count: 1, sum: 67108864 } } } } }],
    });
  });
});
