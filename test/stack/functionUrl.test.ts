/**
 * Ingest on its function URL as `npm start` runs it with TIDE_INGEST_FUNCTION_URL=true: the
 * built agent posts there (not through the HTTP API) from a Docker stand-in, and what it sent
 * reads back through the API; the URL answers nothing but POST /v1/metrics, and only to an agent key.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';
import { CGROUP_V1_STATS } from '../agent/dockerExamples';
import { container, startFakeDocker } from '../agent/fakeDocker';
import { checkoutView, npmStart, root, type RunningStack } from './localStack';

let view: ReturnType<typeof checkoutView>;
let stack: RunningStack;
let ingestUrl: string;
let docker: Awaited<ReturnType<typeof startFakeDocker>>;
let agent: ChildProcess | undefined;

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', '--silent', 'build:agent'], { cwd: root });
  docker = await startFakeDocker();
  view = checkoutView();
  stack = await npmStart(view.dir, { TIDE_HTTP_PORT: String(await freePort()), TIDE_EVALUATOR_SCHEDULE: 'false', TIDE_INGEST_FUNCTION_URL: 'true' });
  ingestUrl = /ingest URL: +(http\S+)/.exec(stack.output())?.[1] ?? '';
}, 90_000);

afterAll(async () => {
  agent?.kill('SIGKILL');
  await stack?.stop();
  view?.remove();
  await docker?.close();
});

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' } });

describe('ingest on its function URL', () => {
  it('is a second URL, apart from the HTTP API', () => {
    expect(ingestUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ingestUrl).not.toBe(stack.url);
  });

  it('takes the real agent posting there, and what it sent reads back through the API', async () => {
    const created = await admin('/v1/keys', { method: 'POST', body: JSON.stringify({ namespace: 'default', name: 'worker1' }) });
    const { key } = (await created.json()) as { key: string };
    docker.state.containers = [container('f'.repeat(64), 'web.1.x2kd', { 'com.docker.swarm.service.name': 'web' })];
    docker.state.stats = { ['f'.repeat(64)]: CGROUP_V1_STATS };
    agent = spawn(process.execPath, [join(root, 'dist', 'tide-agent.cjs')], {
      env: { PATH: process.env.PATH ?? '', TIDE_URL: ingestUrl, TIDE_AGENT_KEY: key, TIDE_NODE: 'worker1', DOCKER_HOST: `unix://${docker.socketPath}`, TIDE_INTERVAL: '1s', TIDE_SAMPLE_INTERVAL: '1s' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let agentLog = '';
    agent.stderr?.on('data', (chunk: Buffer) => (agentLog += chunk.toString()));

    // The agent's first minute reaches Tide within its first posts; read until it is there.
    let points: Array<{ value: number; count: number }> = [];
    while (points.length === 0 && agent.exitCode === null) {
      const answer = await admin('/v1/services/web/metrics?metric=mem_usage&stat=max');
      points = ((await answer.json()) as { points: Array<{ value: number; count: number }> }).points;
      if (points.length === 0) await wait(200);
    }
    expect(points[0]?.value, agentLog).toBe(6537216);
    expect(stack.output()).not.toMatch(/\[ingest\]/);
  });

  it('answers another method or path with a 404 naming the one route it serves, before reading any credential', async () => {
    const answer = await fetch(`${ingestUrl}/v1/services`, { headers: { authorization: `Bearer ${stack.token}` } });
    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual({ error: { code: 'not_found', message: 'this URL answers POST /v1/metrics only' } });
  });

  it('refuses a post without an agent key, as the HTTP API does', async () => {
    const answer = await fetch(`${ingestUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });
});
