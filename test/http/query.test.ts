import { beforeAll, describe, expect, it } from 'vitest';
import { call, freshNamespace, type Answer } from '../support/client';
import { httpApiForTests } from '../support/httpApi';

// Every route's query parameters: a bad or unknown one is a 400 naming it, in
// SPEC.md's error shape on /v1 and Rancher's on /v1-webhooks, and changes nothing.

const api = httpApiForTests();
const sim = { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50, initialReplicas: 2 };
const policy = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] };
const pool = { labels: { pool: 'workers' }, min: 1, max: 5, target: { provider: 'ec2-asg', autoScalingGroupName: 'workers-asg', region: 'eu-west-1' } };

/** SPEC.md's 400 for the query string, with exactly these problems. */
function expectRefused(answer: Answer, details: Array<{ path: string; message: string | RegExp }>): void {
  expect(answer.status, answer.text).toBe(400);
  expect(answer.body).toEqual({
    error: {
      code: 'validation_failed',
      message: `${details.length} problem${details.length === 1 ? '' : 's'} in query string`,
      details: details.map((d) => ({ path: d.path, message: typeof d.message === 'string' ? d.message : expect.stringMatching(d.message) })),
    },
  });
}

describe('GET /v1/services/{service}/metrics', () => {
  let ns: string;
  const read = (query: string) => call(api.url, 'GET', `/v1/services/myweb/metrics?namespace=${ns}&${query}`);
  const TIME_RULE = /^must be an ISO-8601 UTC time or Unix seconds/;
  const RANGE_RULE = 'must be a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z';

  beforeAll(() => {
    ns = freshNamespace();
  });

  it('reads a range given as ISO times or Unix seconds', async () => {
    const answer = await read('metric=cpu_ratio&from=2026-11-22T09:00:00Z&to=1795345200');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ namespace: ns, service: 'myweb', metric: 'cpu_ratio', stat: 'mean', points: [] });
  });

  it.each([
    { name: 'a month that does not exist', query: 'metric=cpu_ratio&from=2026-13-01T00:00:00Z', path: 'from', message: TIME_RULE },
    { name: 'a day the month does not have', query: 'metric=cpu_ratio&to=2026-02-30T00:00:00Z', path: 'to', message: TIME_RULE },
    { name: 'a time in words', query: 'metric=cpu_ratio&from=yesterday', path: 'from', message: TIME_RULE },
    { name: 'an empty from', query: 'metric=cpu_ratio&from=', path: 'from', message: TIME_RULE },
    { name: 'Unix seconds past the year 9999', query: 'metric=cpu_ratio&to=99999999999999', path: 'to', message: RANGE_RULE },
    { name: 'a time before 1970', query: 'metric=cpu_ratio&from=1969-12-31T23:59:59Z', path: 'from', message: RANGE_RULE },
    { name: 'from after to', query: 'metric=cpu_ratio&from=2026-11-22T10:00:00Z&to=2026-11-22T09:00:00Z', path: 'from', message: 'must not be after to' },
    { name: 'no metric', query: 'stat=mean', path: 'metric', message: 'is required: the metric to read, such as cpu_ratio' },
    { name: 'a metric name no sample can have', query: 'metric=1cpu', path: 'metric', message: /^must be a built-in metric or match/ },
    { name: 'an unknown statistic', query: 'metric=cpu_ratio&stat=avg', path: 'stat', message: 'must be one of mean, min, max, sum, count' },
    { name: 'an empty statistic', query: 'metric=cpu_ratio&stat=', path: 'stat', message: 'must be one of mean, min, max, sum, count' },
    { name: 'a parameter the route does not take', query: 'metric=cpu_ratio&limit=5', path: 'limit', message: 'is not a query parameter here: this route takes namespace, metric, stat, from, to' },
  ])('$name → 400 naming $path', async ({ query, path, message }) => {
    expectRefused(await read(query), [{ path, message }]);
  });

  it('names every bad parameter at once', async () => {
    expectRefused(await read('metric=cpu_ratio&stat=avg&from=never'), [
      { path: 'stat', message: 'must be one of mean, min, max, sum, count' },
      { path: 'from', message: TIME_RULE },
    ]);
  });
});

describe('events and lists', () => {
  let ns: string;
  beforeAll(async () => {
    ns = freshNamespace();
    expect((await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { mode: 'manual', min: 1, max: 5, target: sim } })).status).toBe(201);
    expect((await call(api.url, 'PUT', `/v1/hostpools/workers?namespace=${ns}`, { body: pool })).status).toBe(201);
  });

  it.each(['0', '501', '1e2', '0x10', ' 5', '5.0', 'ten', ''])('service events with limit=%j → 400', async (limit) => {
    const answer = await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}&limit=${encodeURIComponent(limit)}`);
    expectRefused(answer, [{ path: 'limit', message: 'must be a whole number from 1 to 500' }]);
  });

  it('service events with limit=500 are read', async () => {
    expect((await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}&limit=500`)).status).toBe(200);
  });

  it.each(['0', '51', '-1'])('host pool events with limit=%j → 400', async (limit) => {
    const answer = await call(api.url, 'GET', `/v1/hostpools/workers/events?namespace=${ns}&limit=${limit}`);
    expectRefused(answer, [{ path: 'limit', message: 'must be a whole number from 1 to 50' }]);
  });

  it.each([
    { route: 'GET /v1/services', path: '/v1/services', takes: 'namespace' },
    { route: 'GET /v1/services/{service}', path: '/v1/services/myweb', takes: 'namespace' },
    { route: 'GET /v1/services/{service}/events', path: '/v1/services/myweb/events', takes: 'namespace, limit' },
    { route: 'GET /v1/hostpools', path: '/v1/hostpools', takes: 'namespace' },
    { route: 'GET /v1/hostpools/{pool}', path: '/v1/hostpools/workers', takes: 'namespace' },
    { route: 'GET /v1/hostpools/{pool}/events', path: '/v1/hostpools/workers/events', takes: 'namespace, limit' },
    { route: 'GET /v1/keys', path: '/v1/keys', takes: 'none' },
  ])('$route refuses a misspelt namespace', async ({ path, takes }) => {
    const answer = await call(api.url, 'GET', `${path}?namespce=${ns}`);
    expectRefused(answer, [{ path: 'namespce', message: `is not a query parameter here: this route takes ${takes}` }]);
  });
});

describe('writes with a bad query change nothing', () => {
  let ns: string;
  beforeAll(async () => {
    ns = freshNamespace();
    expect((await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { mode: 'manual', min: 1, max: 5, target: sim } })).status).toBe(201);
    expect((await call(api.url, 'PUT', `/v1/hostpools/workers?namespace=${ns}`, { body: pool })).status).toBe(201);
  });

  const events = async () => (await call(api.url, 'GET', `/v1/services/myweb/events?namespace=${ns}`)).body.items;

  it('PUT of a host pool', async () => {
    const answer = await call(api.url, 'PUT', `/v1/hostpools/other?namespace=${ns}&namespce=x`, { body: pool });
    expectRefused(answer, [{ path: 'namespce', message: 'is not a query parameter here: this route takes namespace' }]);
    expect((await call(api.url, 'GET', `/v1/hostpools/other?namespace=${ns}`)).status).toBe(404);
  });

  it('DELETE of a service and of a host pool', async () => {
    expectRefused(await call(api.url, 'DELETE', `/v1/services/myweb?namespace=${ns}&force=true`), [
      { path: 'force', message: 'is not a query parameter here: this route takes namespace' },
    ]);
    expectRefused(await call(api.url, 'DELETE', `/v1/hostpools/workers?namespace=${ns}&force=true`), [
      { path: 'force', message: 'is not a query parameter here: this route takes namespace' },
    ]);
    expect((await call(api.url, 'GET', `/v1/services/myweb?namespace=${ns}`)).status).toBe(200);
    expect((await call(api.url, 'GET', `/v1/hostpools/workers?namespace=${ns}`)).status).toBe(200);
  });

  it('a manual scale', async () => {
    const answer = await call(api.url, 'POST', `/v1/services/myweb/scale?namespace=${ns}&dryRun=true`, { body: { replicas: 3 } });
    expectRefused(answer, [{ path: 'dryRun', message: 'is not a query parameter here: this route takes namespace' }]);
    expect(await events()).toEqual([]);
  });

  it('an evaluation, whose namespace goes in the body', async () => {
    const answer = await call(api.url, 'POST', `/v1/evaluate?namespace=${ns}`, { body: { dryRun: true } });
    expectRefused(answer, [{ path: 'namespace', message: 'is not a query parameter here: this route takes none' }]);
  });

  it('agent keys: create and revoke', async () => {
    const created = await call(api.url, 'POST', `/v1/keys?namespace=${ns}`, { body: { namespace: ns, name: 'refused-key' } });
    expectRefused(created, [{ path: 'namespace', message: 'is not a query parameter here: this route takes none' }]);
    const kept = await call(api.url, 'POST', '/v1/keys', { body: { namespace: ns, name: 'kept-key' } });
    expectRefused(await call(api.url, 'DELETE', `/v1/keys/${kept.body.id}?now=1`), [{ path: 'now', message: 'is not a query parameter here: this route takes none' }]);
    const names = (await call(api.url, 'GET', '/v1/keys')).body.items.filter((k: { namespace: string }) => k.namespace === ns).map((k: { name: string }) => k.name);
    expect(names).toEqual(['kept-key']);
  });
});

describe('webhook routes, in Rancher error bodies', () => {
  const rancher400 = (message: string) => ({ type: 'error', statusCode: 400, status: 'Bad Request', message });

  it.each([
    { name: 'a projectId with a space', query: 'projectId=a%20b', message: 'Invalid projectId a b: must be 1-64 characters of A-Z a-z 0-9 _ . -' },
    { name: 'projectId given twice', query: 'projectId=a&projectId=b', message: 'Invalid projectId a,b: must be 1-64 characters of A-Z a-z 0-9 _ . -' },
    { name: 'no projectId', query: 'project=a', message: 'projectId must be supplied as query parameter' },
  ])('$name → 400 on list, get, create and delete; nothing created', async ({ query, message }) => {
    const ns = freshNamespace();
    expect((await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { mode: 'manual', min: 1, max: 5, target: sim } })).status).toBe(201);
    const receiver = { name: 'up', driver: 'scaleService', scaleServiceConfig: { serviceId: 'myweb', action: 'up', amount: 1, min: 1, max: 5 } };
    for (const [method, path, body] of [
      ['GET', '/v1-webhooks/receivers', undefined],
      ['GET', '/v1-webhooks/receivers/abc', undefined],
      ['POST', '/v1-webhooks/receivers', receiver],
      ['DELETE', '/v1-webhooks/receivers/abc', undefined],
    ] as const) {
      const answer = await call(api.url, method, `${path}?${query}`, body === undefined ? {} : { body });
      expect(answer.status, `${method} ${path}`).toBe(400);
      expect(answer.body).toEqual(rancher400(message));
    }
    expect((await call(api.url, 'GET', `/v1-webhooks/receivers?projectId=${ns}`)).body.data).toEqual([]);
  });

  it('a receiver cooldown beyond a day → 400, nothing created', async () => {
    const ns = freshNamespace();
    expect((await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { mode: 'manual', min: 1, max: 5, target: sim } })).status).toBe(201);
    const answer = await call(api.url, 'POST', `/v1-webhooks/receivers?projectId=${ns}`, {
      body: { name: 'up', driver: 'scaleService', cooldown: '25h', scaleServiceConfig: { serviceId: 'myweb', action: 'up', amount: 1, min: 1, max: 5 } },
    });
    expect(answer.body).toEqual(rancher400('Invalid cooldown: must be a duration from "1s" to "24h", such as "60s"'));
    expect((await call(api.url, 'GET', `/v1-webhooks/receivers?projectId=${ns}`)).body.data).toEqual([]);
  });

  it('a trigger without key or projectId → 400', async () => {
    const noKey = await call(api.url, 'POST', '/v1-webhooks/endpoint?projectId=default', { token: null });
    expect(noKey.body).toEqual(rancher400("Invalid execute url, should have 'key'"));
    const noProject = await call(api.url, 'POST', `/v1-webhooks/endpoint?key=${'a'.repeat(40)}`, { token: null });
    expect(noProject.body).toEqual(rancher400('Invalid execute url, url must contain projectId'));
  });
});
