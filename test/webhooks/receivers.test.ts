import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { startHttpApi } from '../support/httpApi';
import { createReceiver, putHttpService, scaleUp } from '../support/webhooks';

let api: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  api = await startHttpApi();
});
afterAll(async () => {
  await api.close();
});

const rancherError = (statusCode: number, status: string, message: string) => ({ type: 'error', statusCode, status, message });

describe('receivers', () => {
  it('creates, lists, gets and deletes a receiver in Rancher shape; only the create answer shows the key', async () => {
    const ns = freshNamespace();
    await putHttpService(api.url, ns, 'myweb', 'http://127.0.0.1:9/scale');
    const created = await createReceiver(api.url, ns, { ...scaleUp('myweb', { max: 4 }), name: 'scale-web-up', cooldown: '60s' });
    const { id } = created.body;
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
      type: 'receiver',
      links: { self: `${api.url}/v1-webhooks/receivers/${id}?projectId=${ns}` },
      actions: {},
      name: 'scale-web-up',
      driver: 'scaleService',
      state: 'active',
      url: expect.stringMatching(new RegExp(`^${api.url}/v1-webhooks/endpoint\\?key=[A-Za-z0-9]{40}&projectId=${ns}$`)),
      scaleServiceConfig: { serviceId: 'myweb', action: 'up', amount: 1, min: 1, max: 4, type: 'scaleService' },
      scaleHostConfig: {},
      cooldown: '60s',
      createdAt: expect.any(String),
    });
    const key = new URL(created.body.url).searchParams.get('key') ?? '';
    const masked = `${api.url}/v1-webhooks/endpoint?key=${key.slice(0, 4)}${'*'.repeat(36)}&projectId=${ns}`;

    const list = await call(api.url, 'GET', `/v1-webhooks/receivers?projectId=${ns}`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      type: 'collection',
      resourceType: 'receiver',
      links: { self: `${api.url}/v1-webhooks/receivers?projectId=${ns}` },
      data: [{ ...created.body, url: masked }],
    });
    const got = await call(api.url, 'GET', `/v1-webhooks/receivers/${id}?projectId=${ns}`);
    expect(got.body).toEqual({ ...created.body, url: masked });
    expect(got.text).not.toContain(key);

    expect((await call(api.url, 'DELETE', `/v1-webhooks/receivers/${id}?projectId=${ns}`)).status).toBe(204);
    expect((await call(api.url, 'GET', `/v1-webhooks/receivers?projectId=${ns}`)).body.data).toEqual([]);
    const gone = await call(api.url, 'GET', `/v1-webhooks/receivers/${id}?projectId=${ns}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual(rancherError(404, 'Not Found', 'Webhook not found'));
    expect((await call(api.url, 'DELETE', `/v1-webhooks/receivers/${id}?projectId=${ns}`)).status).toBe(404);
  });

  it('builds URLs from X-Forwarded-Proto, -Host and -Port as Rancher does', async () => {
    const ns = freshNamespace();
    await putHttpService(api.url, ns, 'myweb', 'http://127.0.0.1:9/scale');
    const cases: Array<{ headers: Record<string, string>; base: string }> = [
      { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'tide.example.com', 'x-forwarded-port': '443' }, base: 'https://tide.example.com' },
      { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'tide.example.com:8443', 'x-forwarded-port': '9443' }, base: 'https://tide.example.com:9443' },
      { headers: { 'x-forwarded-proto': 'http, https', 'x-forwarded-host': 'a.example, b.example' }, base: 'http://a.example' },
    ];
    for (const [i, { headers, base }] of cases.entries()) {
      const created = await call(api.url, 'POST', `/v1-webhooks/receivers?projectId=${ns}`, { body: { ...scaleUp('myweb'), name: `hook-${i}` }, headers });
      expect(created.status).toBe(200);
      expect(created.body.url).toMatch(new RegExp(`^${base}/v1-webhooks/endpoint\\?key=`));
      expect(created.body.links.self).toBe(`${base}/v1-webhooks/receivers/${created.body.id}?projectId=${ns}`);
    }
  });

  it('answers problems with Rancher error bodies and stores nothing', async () => {
    const ns = freshNamespace();
    await putHttpService(api.url, ns, 'myweb', 'http://127.0.0.1:9/scale');
    const post = (body: unknown, options: { headers?: Record<string, string>; query?: string } = {}) =>
      call(api.url, 'POST', `/v1-webhooks/receivers${options.query ?? `?projectId=${ns}`}`, { body, ...(options.headers ? { headers: options.headers } : {}) });
    const config = (extra: Record<string, unknown>) => ({ name: 'hook', driver: 'scaleService', scaleServiceConfig: { serviceId: 'myweb', action: 'up', amount: 1, min: 1, max: 4, ...extra } });
    const cases: Array<[string, Promise<Awaited<ReturnType<typeof post>>>, string]> = [
      ['wrong content type', post(config({}), { headers: { 'content-type': 'text/plain' } }), 'Content-Type must be supplied as header. Only application/json is supported'],
      ['no projectId', post(config({}), { query: '' }), 'projectId must be supplied as query parameter'],
      ['no name', post({ ...config({}), name: '' }), 'Name not provided'],
      ['no driver', post({ name: 'hook' }), 'Driver not provided'],
      ['unknown driver', post({ name: 'hook', driver: 'serviceUpgrade' }), 'Invalid driver serviceUpgrade'],
      ['no action', post(config({ action: undefined })), 'Scale action not provided'],
      ['bad action', post(config({ action: 'sideways' })), 'Invalid action sideways'],
      ['zero amount', post(config({ amount: 0 })), 'Invalid amount: 0'],
      ['fractional amount', post(config({ amount: 1.5 })), 'Bad request body: scaleServiceConfig.amount must be a whole number'],
      ['no service', post(config({ serviceId: undefined })), 'ServiceId not provided'],
      ['min below 1', post(config({ min: 0 })), 'Minimum scale not provided/invalid'],
      ['no max', post(config({ max: undefined })), 'Maximum scale not provided/invalid'],
      ['min not below max', post(config({ min: 4, max: 4 })), 'Max must be greater than min'],
      ['unknown service', post(config({ serviceId: 'nosuch' })), 'Invalid service nosuch'],
      ['bad cooldown', post({ ...config({}), cooldown: 'soon' }), 'Invalid cooldown: must be a duration from "1s" to "24h", such as "60s"'],
      ['host selector missing', post({ name: 'hook', driver: 'scaleHost', scaleHostConfig: { action: 'down', amount: 1, min: 1, max: 4, deleteOption: 'mostRecent' } }), 'HostSelector not provided'],
      [
        'delete option on scale-up',
        post({ name: 'hook', driver: 'scaleHost', scaleHostConfig: { hostSelector: { pool: 'w' }, action: 'up', amount: 1, min: 1, max: 4, deleteOption: 'mostRecent' } }),
        'Delete option not to be provided while scaling up',
      ],
      [
        'no delete option on scale-down',
        post({ name: 'hook', driver: 'scaleHost', scaleHostConfig: { hostSelector: { pool: 'w' }, action: 'down', amount: 1, min: 1, max: 4 } }),
        'Invalid delete option/Delete option missing ',
      ],
      [
        'no matching pool',
        post({ name: 'hook', driver: 'scaleHost', scaleHostConfig: { hostSelector: { pool: 'w', tier: 'b' }, action: 'up', amount: 1, min: 1, max: 4 } }),
        'No host with label map[pool:w tier:b] exists',
      ],
    ];
    for (const [name, answer, message] of cases) {
      const { status, body } = await answer;
      expect({ name, status, body }).toEqual({ name, status: 400, body: rancherError(400, 'Bad Request', message) });
    }
    expect((await call(api.url, 'GET', `/v1-webhooks/receivers?projectId=${ns}`)).body.data).toEqual([]);
  });

  it('keeps names unique in a project, even when two creates race', async () => {
    const ns = freshNamespace();
    await putHttpService(api.url, ns, 'myweb', 'http://127.0.0.1:9/scale');
    const answers = await Promise.all([1, 2, 3].map(() => call(api.url, 'POST', `/v1-webhooks/receivers?projectId=${ns}`, { body: scaleUp('myweb') })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400]);
    expect(answers.find((a) => a.status === 400)?.body.message).toBe('Cannot have duplicate webhook name, webhook scale-myweb-up already exists');
    expect((await call(api.url, 'GET', `/v1-webhooks/receivers?projectId=${ns}`)).body.data).toHaveLength(1);
    // Another project may use the name.
    const other = freshNamespace();
    await putHttpService(api.url, other, 'myweb', 'http://127.0.0.1:9/scale');
    await createReceiver(api.url, other, scaleUp('myweb'));
  });

  it('shows a project none of another project’s receivers', async () => {
    const ns = freshNamespace();
    const other = freshNamespace();
    await putHttpService(api.url, ns, 'myweb', 'http://127.0.0.1:9/scale');
    const { id } = (await createReceiver(api.url, ns, scaleUp('myweb'))).body;
    expect((await call(api.url, 'GET', `/v1-webhooks/receivers?projectId=${other}`)).body.data).toEqual([]);
    expect((await call(api.url, 'GET', `/v1-webhooks/receivers/${id}?projectId=${other}`)).status).toBe(404);
    expect((await call(api.url, 'DELETE', `/v1-webhooks/receivers/${id}?projectId=${other}`)).status).toBe(404);
    expect((await call(api.url, 'GET', `/v1-webhooks/receivers/${id}?projectId=${ns}`)).status).toBe(200);
  });

  it('refuses the management routes without the admin token', async () => {
    const ns = freshNamespace();
    for (const [method, path] of [
      ['GET', `/v1-webhooks/receivers?projectId=${ns}`],
      ['POST', `/v1-webhooks/receivers?projectId=${ns}`],
      ['GET', `/v1-webhooks/receivers/x?projectId=${ns}`],
      ['DELETE', `/v1-webhooks/receivers/x?projectId=${ns}`],
    ] as const) {
      const answer = await call(api.url, method, path, { token: 'not-the-admin-token', ...(method === 'POST' ? { body: scaleUp('myweb') } : {}) });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual(rancherError(401, 'Unauthorized', 'missing or unknown admin token'));
    }
  });
});
