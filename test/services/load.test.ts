import { describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { recordSamples } from '../../lib/ingest/record';
import { HOUR_MS } from '../../lib/store/rollups';
import { call, freshNamespace, type Answer } from '../support/client';
import { httpApiForTests } from '../support/httpApi';

// GET /v1/services/{service}/load: what `tide tune` replays, from the hourly rollups and the
// minute buckets not rolled up yet.

const api = httpApiForTests();
const sim = { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50, initialReplicas: 2 };

async function serviceIn(ns: string): Promise<void> {
  const put = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { mode: 'manual', min: 1, max: 5, target: sim } });
  expect(put.status, put.text).toBe(201);
}

function expectRefused(answer: Answer, path: string, message: RegExp): void {
  expect(answer.status, answer.text).toBe(400);
  expect(answer.body.error.details).toEqual([{ path, message: expect.stringMatching(message) }]);
}

describe('GET /v1/services/{service}/load', () => {
  it('answers each minute’s load: the rolled-up hours, then the minutes since from the buckets', async () => {
    const ns = freshNamespace();
    await serviceIn(ns);
    const now = Date.now();
    const hour = Math.floor(now / HOUR_MS) * HOUR_MS - 2 * 24 * HOUR_MS;
    await tide().rollups.putHour(ns, 'myweb', { hour, loads: new Map([['cpu_ratio.mean*replicas', Array.from({ length: 60 }, (_, m) => (m === 0 ? undefined : 100 + m))]]) });
    // Two containers at 30 % a minute ago: one replica known (the service never scaled), so 60 × 1.
    const ts = now - 60_000;
    await recordSamples(tide(), { namespace: ns, node: 'n1', samples: [{ ts, service: 'myweb', container: 'a', cpu_ratio: 30 }, { ts, service: 'myweb', container: 'b', cpu_ratio: 90 }] });

    const answer = await call(api.url, 'GET', `/v1/services/myweb/load?namespace=${ns}&since=3d`);
    expect(answer.status, answer.text).toBe(200);
    const { minutes } = answer.body as { minutes: Array<{ ts: string; load: number }> };
    expect(minutes.slice(0, 2)).toEqual([
      { ts: new Date(hour + 60_000).toISOString(), load: 101 },
      { ts: new Date(hour + 120_000).toISOString(), load: 102 },
    ]);
    expect(minutes).toHaveLength(60);
    expect(minutes.at(-1)).toEqual({ ts: new Date(Math.floor(ts / 60_000) * 60_000).toISOString(), load: 60 });
  });

  it('leaves out hours before `since`, and loads under other keys', async () => {
    const ns = freshNamespace();
    await serviceIn(ns);
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * 24 * HOUR_MS;
    await tide().rollups.putHour(ns, 'myweb', { hour, loads: new Map([['rps.sum', Array.from({ length: 60 }, () => 7)]]) });
    expect((await call(api.url, 'GET', `/v1/services/myweb/load?namespace=${ns}&since=2d`)).body.minutes).toEqual([]);
    expect((await call(api.url, 'GET', `/v1/services/myweb/load?namespace=${ns}&since=4d&key=rps.sum`)).body.minutes).toHaveLength(60);
    expect((await call(api.url, 'GET', `/v1/services/myweb/load?namespace=${ns}&since=4d`)).body.minutes).toEqual([]);
  });

  it('refuses a span past the 14 days kept, or not a duration, naming `since`', async () => {
    const ns = freshNamespace();
    await serviceIn(ns);
    const rule = /^must be a whole number of days, hours or minutes such as 7d, 36h or 90m, from 1m to 14d/;
    for (const since of ['15d', '337h', '7', '1w', '0d', '1.5d', '']) {
      expectRefused(await call(api.url, 'GET', `/v1/services/myweb/load?namespace=${ns}&since=${since}`), 'since', rule);
    }
  });

  it('refuses a key that is no load key, naming `key`', async () => {
    const ns = freshNamespace();
    await serviceIn(ns);
    for (const key of ['cpu_ratio', 'cpu_ratio.p95', 'cpu_ratio.mean*pods', '9x.mean']) {
      expectRefused(await call(api.url, 'GET', `/v1/services/myweb/load?namespace=${ns}&key=${encodeURIComponent(key)}`), 'key', /^must be a load key/);
    }
  });

  it('refuses a parameter it does not take, and answers 404 for a service that does not exist', async () => {
    const ns = freshNamespace();
    await serviceIn(ns);
    expectRefused(await call(api.url, 'GET', `/v1/services/myweb/load?namespace=${ns}&from=1`), 'from', /^is not a query parameter here: this route takes namespace, since, key/);
    expect((await call(api.url, 'GET', `/v1/services/nosuch/load?namespace=${ns}`)).status).toBe(404);
    expect((await call(api.url, 'GET', `/v1/services/myweb/load?namespace=${ns}`, { token: 'wrong' })).status).toBe(401);
  });
});
