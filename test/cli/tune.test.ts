import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../cli/main';
import { traceOf } from '../../cli/tune';
import { tide as app } from '../../lib/app';
import { HOUR_MS } from '../../lib/store/rollups';
import { tideCli } from '../support/cli';
import { call, freshNamespace } from '../support/client';
import { httpApiForTests } from '../support/httpApi';

const api = httpApiForTests();
const tide = tideCli(api);

const document = { mode: 'dry-run', min: 1, max: 20, target: { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50, initialReplicas: 2 }, policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] } };

/** A service with `hours` of rolled-up cpu_ratio load before the current hour: a slow wave with a burst at each half hour. */
async function serviceWithHistory(hours: number): Promise<string> {
  const ns = freshNamespace();
  expect((await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: document })).status).toBe(201);
  const current = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  for (let h = 1; h <= hours; h++) {
    const minutes = Array.from({ length: 60 }, (_, m) => 300 + 200 * Math.sin((2 * Math.PI * (h * 60 + m)) / 240) + (m >= 30 && m < 33 ? 400 : 0));
    await app().rollups.putHour(ns, 'myweb', { hour: current - h * HOUR_MS, loads: new Map([['cpu_ratio.mean*replicas', minutes]]) });
  }
  return ns;
}

describe('tide tune', () => {
  it('tunes a load rule on the service’s own load against target 60, prints both, and writes a policy the service accepts', async () => {
    const ns = await serviceWithHistory(8);
    const file = join(mkdtempSync(join(tmpdir(), 'tide-tune-')), 'tuned.json');
    const tuned = await tide('-n', ns, 'tune', 'myweb', '--since', '1d', '--out', file);
    expect(tuned.err).toBe('');
    expect(tuned.code).toBe(0);
    const printed = JSON.parse(tuned.out);
    expect(printed).toMatchObject({ service: 'myweb', minutes: 480, capacity: 100, startupDelay: '1m', tunedOn: 'whole trace' });
    expect([printed.wholeTrace.minutes, printed.firstHalf.minutes, printed.secondHalf.minutes]).toEqual([480, 240, 240]);
    for (const half of ['wholeTrace', 'firstHalf', 'secondHalf']) {
      expect(printed[half].baseline).toEqual({ replicaMinutes: expect.any(Number), minutesOverloaded: expect.any(Number), scalingActions: expect.any(Number) });
      expect(printed[half].tuned).toEqual({ replicaMinutes: expect.any(Number), minutesOverloaded: expect.any(Number), scalingActions: expect.any(Number) });
    }
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toEqual(printed.policy);
    expect(written).toMatchObject({ min: 1, max: 20, policy: { rules: [{ type: 'load', metric: 'cpu_ratio' }] } });
    const put = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { ...document, ...written } });
    expect(put.status, put.text).toBe(200);
  });

  it('takes another baseline from a file, and exits 2 naming --baseline when it does not parse', async () => {
    const ns = await serviceWithHistory(2);
    const dir = mkdtempSync(join(tmpdir(), 'tide-tune-'));
    writeFileSync(join(dir, 'threshold.json'), JSON.stringify({ min: 2, max: 10, policy: { rules: [{ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 80 }] } }));
    const tuned = await tide('-n', ns, 'tune', 'myweb', '--since', '3h', '--baseline', join(dir, 'threshold.json'), '--startup-delay', '2m');
    expect(tuned.code).toBe(0);
    expect(JSON.parse(tuned.out)).toMatchObject({ startupDelay: '2m', policy: { min: 2, max: 10 } });

    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ min: 1, max: 10, policy: { rules: [] } }));
    const refused = await tide('-n', ns, 'tune', 'myweb', '--baseline', join(dir, 'bad.json'));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^--baseline .*bad\.json: 1 problem in policy file\n {2}policy\.rules: a policy needs at least one rule/);
  });

  it('says how much load it found when there is too little to tune on, and what the API refused', async () => {
    const ns = freshNamespace();
    expect((await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: document })).status).toBe(201);
    const empty = await tide('-n', ns, 'tune', 'myweb');
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/^tide: myweb has 0 minutes of cpu_ratio load since .*: tuning needs two/);

    const tooLong = await tide('-n', ns, 'tune', 'myweb', '--since', '30d');
    expect(tooLong.code).toBe(1);
    expect(tooLong.err).toMatch(/since: must be a whole number of days, hours or minutes/);
    expect((await tide('-n', ns, 'tune')).code).toBe(2);
  });

  it('fills a minute without load with the minute before, so the trace keeps time', () => {
    const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 0, minute)).toISOString();
    expect(traceOf([{ ts: at(0), load: 5 }, { ts: at(1), load: 7 }, { ts: at(4), load: 9 }])).toEqual([5, 7, 7, 7, 9]);
    expect(traceOf([])).toEqual([]);
  });
});
