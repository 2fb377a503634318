/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager; CI
 * installs it) routing a group of alerts to a receiver's URL on `npm start`:
 * each alert that starts firing scales once; Alertmanager's repeats and a
 * partial resolution, which it sends as `"status": "firing"`, change nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';
import { checkoutView, npmStart, type RunningStack } from './localStack';

const ALERTMANAGER = 'prometheus-alertmanager';
const installed = spawnSync(ALERTMANAGER, ['--version']).status === 0;
// A developer without it skips this file; CI installs it (.ci/run), so there a missing binary fails.
const runs = installed || process.env.CI === 'true';

let view: ReturnType<typeof checkoutView>;
let stack: RunningStack;
let dir: string;
let alertmanager: ChildProcess | undefined;
let amUrl: string;

const admin = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' } });
  return (await response.json()) as Record<string, unknown>;
};
const replicas = async () => ((await admin('/v1/services/myweb')) as { status: { replicas: number } }).status.replicas;
const webhookEvents = async () => ((await admin('/v1/services/myweb/events')) as { items: Array<{ trigger: string }> }).items.filter((e) => e.trigger === 'webhook').length;

/** Webhook notifications Alertmanager has sent, from its own metrics. */
async function notificationsSent(): Promise<number> {
  const text = await (await fetch(`${amUrl}/metrics`)).text();
  return Number(/^alertmanager_notifications_total\{integration="webhook"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited 30 s for ${what}`);
    await wait(200);
  }
}

/** Alertmanager's API v2: alerts as Prometheus posts them; `endsAt` in the past resolves one. */
async function postAlerts(alerts: Array<{ instance: string; startsAt: string; endsAt?: string }>) {
  const body = alerts.map((a) => ({ labels: { alertname: 'HighCPU', service: 'myweb', instance: a.instance }, startsAt: a.startsAt, ...(a.endsAt ? { endsAt: a.endsAt } : {}) }));
  const response = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  if (!runs) return;
  if (!installed) throw new Error(`${ALERTMANAGER} is not installed: apt-get install prometheus-alertmanager`);
  view = checkoutView();
  dir = mkdtempSync(join(tmpdir(), 'tide-alertmanager-'));
  stack = await npmStart(view.dir, { TIDE_HTTP_PORT: String(await freePort()), TIDE_EVALUATOR_SCHEDULE: 'false' });
  await admin('/v1/services/myweb', {
    method: 'PUT',
    body: JSON.stringify({ mode: 'manual', min: 1, max: 10, target: { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50, initialReplicas: 2 } }),
  });
  const receiver = await admin('/v1-webhooks/receivers?projectId=default', {
    method: 'POST',
    body: JSON.stringify({ name: 'scale-web-up', driver: 'scaleService', scaleServiceConfig: { serviceId: 'myweb', action: 'up', amount: 1, min: 1, max: 10 } }),
  });
  // The README's route, with intervals short enough for a test.
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    `route:\n  receiver: tide-scale-up\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 2s\n  repeat_interval: 3s\n` +
      `receivers:\n  - name: tide-scale-up\n    webhook_configs:\n      - url: '${String(receiver.url)}'\n        send_resolved: true\n`,
  );
  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  alertmanager = spawn(
    ALERTMANAGER,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: 'ignore' },
  );
  await until('Alertmanager to be ready', async () => (await fetch(`${amUrl}/-/ready`).catch(() => undefined))?.ok === true);
}, 90_000);

afterAll(async () => {
  alertmanager?.kill('SIGTERM');
  await stack?.stop();
  view?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!runs)('Alertmanager → a receiver on npm start', () => {
  it('scales once per alert that starts firing, and not on repeats or a partial resolution', async () => {
    const startA = new Date().toISOString();
    await postAlerts([{ instance: 'a', startsAt: startA }]);
    await until('the first alert to scale myweb', async () => (await replicas()) === 3);

    // A repeat of the same group (repeat_interval) changes nothing.
    const afterFirst = await notificationsSent();
    await until('a repeated notification', async () => (await notificationsSent()) > afterFirst);
    expect(await replicas()).toBe(3);

    const startB = new Date().toISOString();
    await postAlerts([{ instance: 'a', startsAt: startA }, { instance: 'b', startsAt: startB }]);
    await until('the second alert to scale myweb', async () => (await replicas()) === 4);

    // a resolves while b fires: Alertmanager sends the group as firing, with a resolved inside.
    const beforeResolve = await notificationsSent();
    await postAlerts([{ instance: 'a', startsAt: startA, endsAt: new Date().toISOString() }, { instance: 'b', startsAt: startB }]);
    // Two notifications after the post: the group's next flush, which carries the resolution, has gone out.
    await until('the partial resolution to be sent', async () => (await notificationsSent()) >= beforeResolve + 2);
    expect(await replicas()).toBe(4);
    expect(await webhookEvents()).toBe(2);
  }, 90_000);
});
