import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { call, freshNamespace, type Answer } from './client';
import { startHttpTarget } from './fakeHttpTarget';
import { startHttpApi } from './httpApi';

/**
 * For a webhook test file: the HTTP API, started once, and the fake
 * platforms its tests push into `platforms`, closed after each test.
 */
export function webhookTestApi(): { readonly url: string; platforms: Array<{ close: () => Promise<void> }> } {
  let api: { url: string; close: () => Promise<void> } | undefined;
  const platforms: Array<{ close: () => Promise<void> }> = [];
  beforeAll(async () => {
    api = await startHttpApi();
  });
  afterEach(async () => {
    await Promise.all(platforms.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await api?.close();
  });
  return {
    get url() {
      return api?.url ?? '';
    },
    platforms,
  };
}

/** A project with one service `myweb` on a fake platform running `replicas`, and a receiver for it: what most webhook tests start from. */
export async function projectWithReceiver(api: ReturnType<typeof webhookTestApi>, replicas: number, receiver: Record<string, unknown> = scaleUp('myweb')) {
  const ns = freshNamespace();
  const platform = await startHttpTarget(replicas);
  api.platforms.push(platform);
  await putHttpService(api.url, ns, 'myweb', platform.url);
  const created = await createReceiver(api.url, ns, receiver);
  return { ns, platform, url: created.body.url as string, id: created.body.id as string, created: created.body };
}

/** Puts a manual-mode service on the `http` target: webhooks and manual scaling act, the evaluator leaves it alone. */
export async function putHttpService(base: string, namespace: string, service: string, url: string, bounds = { min: 1, max: 10 }): Promise<void> {
  const answer = await call(base, 'PUT', `/v1/services/${service}?namespace=${namespace}`, {
    body: { mode: 'manual', ...bounds, target: { provider: 'http', url } },
  });
  expect(answer.status).toBe(201);
}

/** Creates a receiver and returns its answer, which carries the only copy of the trigger URL with its key. */
export async function createReceiver(base: string, projectId: string, body: Record<string, unknown>): Promise<Answer> {
  const created = await call(base, 'POST', `/v1-webhooks/receivers?projectId=${projectId}`, { body });
  expect(created.status, created.text).toBe(200);
  return created;
}

/** What a script does with a trigger URL: `curl -X POST '<url>'`, no credential, no body. */
export function trigger(url: string, options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const parsed = new URL(url);
  return call(parsed.origin, 'POST', `${parsed.pathname}${parsed.search}`, { ...options, token: null });
}

export const scaleUp = (serviceId: string, extra: Record<string, unknown> = {}) => ({
  name: `scale-${serviceId}-up`,
  driver: 'scaleService',
  scaleServiceConfig: { serviceId, action: 'up', amount: 1, min: 1, max: 10, ...extra },
});
