import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { startHttpApi } from '../support/httpApi';
import { listenOnLoopback, stopServer } from '../support/loopback';

// The tests run as the local stack does (stage "local", TIDE_LOCAL=true): a
// target's secret may be this stage's platform secret or an env: name, never
// Tide's own admin token, and what a platform echoes back stays out of answers
// and events.

const TOKEN = `alauda-probe-token-${'7f3a9c'.repeat(10)}`;
process.env.TIDE_TEST_PROBE_ALAUDA_TOKEN = TOKEN;

let api: { url: string; close: () => Promise<void> };
let platform: Server;
let platformUrl: string;

beforeAll(async () => {
  api = await startHttpApi();
  // An Alauda service API that answers reads and refuses every scaling, quoting the request's Authorization header.
  platform = createServer((req, res) => {
    const authorization = req.headers.authorization ?? '';
    if (req.method === 'GET') res.writeHead(200, { 'content-type': 'application/json' }).end('{"target_num_instances": 2}');
    else res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: `${authorization} may not scale`, echo: { authorization } }));
  });
  platformUrl = await listenOnLoopback(platform);
});

afterAll(async () => {
  await api.close();
  await stopServer(platform);
});

const alauda = (credentials: string) => ({ provider: 'alauda', url: platformUrl, namespace: 'madams', serviceName: 'test', credentials });

describe('PUT /v1/services/{service}: target credentials', () => {
  const rule = 'must name a secret under ssm:/tide/local/platform/ or secretsmanager:tide/local/platform/, or env:NAME (not TIDE_ADMIN_TOKEN or AWS_*)';

  it.each([
    { name: "Tide's own admin token", credentials: 'env:TIDE_ADMIN_TOKEN' },
    { name: 'an SSM parameter outside the platform prefix', credentials: 'ssm:/tide/alauda-token' },
    { name: "another stage's platform secret", credentials: 'secretsmanager:tide/prod/platform/alauda-token' },
  ])('refuses $name with a 400 naming the field and the rule, and stores nothing', async ({ credentials }) => {
    const ns = freshNamespace();
    const put = await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: { mode: 'manual', min: 1, max: 5, target: alauda(credentials) } });
    expect(put.status).toBe(400);
    expect(put.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'target.credentials', message: rule }] });
    expect((await call(api.url, 'GET', `/v1/services/web?namespace=${ns}`)).status).toBe(404);
  });

  it("accepts the stage's platform secrets", async () => {
    const ns = freshNamespace();
    for (const credentials of ['ssm:/tide/local/platform/alauda-token', 'secretsmanager:tide/local/platform/alauda', 'env:TIDE_TEST_PROBE_ALAUDA_TOKEN']) {
      const put = await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: { mode: 'manual', min: 1, max: 5, target: alauda(credentials) } });
      expect(put.status, credentials).toBeLessThan(300);
    }
  });

  it.each([
    { name: 'a query string in an http target', target: { provider: 'http', url: 'https://ops.example/scale?code=s3cret' }, path: 'target.url', message: /must not carry a query string/ },
    { name: 'the metadata address', target: { provider: 'http', url: 'http://169.254.169.254/latest/meta-data/' }, path: 'target.url', message: /169\.254\.169\.254 is a link-local address/ },
    { name: "Google's metadata name", target: { ...alauda('env:TIDE_TEST_PROBE_ALAUDA_TOKEN'), url: 'http://metadata.google.internal' }, path: 'target.url', message: /metadata\.google\.internal is a cloud metadata address/ },
  ])('refuses $name with a 400, and stores nothing', async ({ target, path, message }) => {
    const ns = freshNamespace();
    const put = await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: { mode: 'manual', min: 1, max: 5, target } });
    expect(put.status).toBe(400);
    expect(put.body.error.details).toEqual([{ path, message: expect.stringMatching(message) }]);
    expect((await call(api.url, 'GET', `/v1/services/web?namespace=${ns}`)).status).toBe(404);
  });
});

describe('a platform that echoes the Authorization header back', () => {
  it('leaves the token out of the 502 and of the failed event', async () => {
    const ns = freshNamespace();
    const put = await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: { mode: 'manual', min: 1, max: 5, target: alauda('env:TIDE_TEST_PROBE_ALAUDA_TOKEN') } });
    expect(put.status).toBe(201);

    const scale = await call(api.url, 'POST', `/v1/services/web/scale?namespace=${ns}`, { body: { replicas: 3, reason: 'probe' } });
    expect(scale.status).toBe(502);
    expect(scale.body.error.message).toMatch(/answered 403 Forbidden \(\{"detail":"REDACTED may not scale"/);
    const events = await call(api.url, 'GET', `/v1/services/web/events?namespace=${ns}`);
    expect(events.body.items).toMatchObject([{ status: 'failed', from: 2, to: 3, detail: expect.stringMatching(/REDACTED may not scale/) }]);

    for (const text of [scale.text, events.text]) {
      for (const part of [TOKEN, TOKEN.slice(0, 16), TOKEN.slice(-16), Buffer.from(TOKEN).toString('base64').slice(0, 16)]) expect(text).not.toContain(part);
    }
  });
});
