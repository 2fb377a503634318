/**
 * A service's own history as `npm start` keeps it: a service on the sim provider whose hourly
 * rollups for the past week are written into the stack's DynamoDB Local through the store, then
 * `npx tide tune SERVICE --since 7d` tuning a load rule on them, its policy accepted by a PUT,
 * and an evaluation whose forecastOnly prediction reads them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { HOUR_MS } from '../../lib/store/rollups';
import { localStackForTests } from './localStack';

const local = localStackForTests({ TIDE_EVALUATOR_SCHEDULE: 'false' });
const { admin, tide } = local;

/** A week of a shop's load: 800 ± 300 over the day, and a 5-minute burst every day at 10:00 UTC. */
const load = (minute: number) => {
  const ofDay = ((minute % 1440) + 1440) % 1440;
  return 800 + 300 * Math.sin((2 * Math.PI * ofDay) / 1440) + (ofDay >= 600 && ofDay < 605 ? 900 : 0);
};

async function seedWeek(service: string): Promise<void> {
  const [, endpoint, tableName] = /DynamoDB: +(http\S+) \(table (\S+)\)/.exec(local.stack.output()) ?? [];
  const store = createTide({ ...loadConfig(), tableName: tableName as string, endpoints: { dynamodb: endpoint as string } }).rollups;
  const current = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  for (let hour = current - 7 * 24 * HOUR_MS; hour < current; hour += HOUR_MS) {
    const minutes = Array.from({ length: 60 }, (_, m) => load(hour / 60_000 + m));
    await store.putHour('default', service, { hour, loads: new Map([['cpu_ratio.mean*replicas', minutes]]) });
  }
}

describe('a service’s history on the local stack', () => {
  it('tunes a load rule on a week of a service’s load with tide tune, and the service takes the tuned policy', async () => {
    const service = { min: 1, max: 40, target: { provider: 'sim', offeredLoad: 400, capacityPerReplica: 50, initialReplicas: 16 }, policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] } };
    expect((await admin('/v1/services/shop', 'PUT', service)).status).toBe(201);
    await seedWeek('shop');

    const printed = JSON.parse(await tide('tune', 'shop', '--since', '7d', '--out', 'tuned.json'));
    expect(printed).toMatchObject({ service: 'shop', capacity: 100, startupDelay: '1m' });
    expect(printed.minutes).toBeGreaterThanOrEqual(7 * 24 * 60 - 60);
    expect(printed.wholeTrace.baseline.replicaMinutes).toBeGreaterThan(0);
    expect(printed.wholeTrace.tuned.replicaMinutes).toBeLessThan(printed.wholeTrace.baseline.replicaMinutes);

    const tuned = JSON.parse(readFileSync(join(local.dir, 'tuned.json'), 'utf8'));
    expect(tuned).toEqual(printed.policy);
    const put = await admin('/v1/services/shop', 'PUT', { ...service, ...tuned });
    expect(put.status).toBe(200);
    expect(put.body.policy.rules[0]).toMatchObject({ type: 'load', metric: 'cpu_ratio' });
  }, 180_000);

  it('feeds a forecastOnly prediction the past week on an evaluation, which records the forecast beside what it did', async () => {
    const service = {
      min: 1,
      max: 40,
      target: { provider: 'sim', offeredLoad: 400, capacityPerReplica: 50, initialReplicas: 16 },
      policy: { rules: [{ type: 'load', metric: 'cpu_ratio', target: 60, prediction: { mode: 'forecastOnly' } }] },
    };
    expect((await admin('/v1/services/forecast', 'PUT', service)).status).toBe(201);
    await seedWeek('forecast');

    const { body } = await admin('/v1/evaluate', 'POST', { services: ['forecast'] });
    const [decision] = body.decisions as Array<{ reason: string; metrics: Record<string, number>; from: number; to: number }>;
    expect(decision?.reason).toMatch(/forecast [\d.]+ \(seasonal, yesterday ×[\d.]+, margin [\d.]+%\) needs \d+ \(forecast only, not applied\)/);
    expect(decision?.metrics['cpu_ratio.mean.forecastLoad']).toBeGreaterThan(0);
    const status = (await admin('/v1/services/forecast')).body.status;
    expect(status.lastDecision.reason).toContain('(forecast only, not applied)');
  }, 60_000);
});
