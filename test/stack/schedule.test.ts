/**
 * The evaluator as `npm start` runs it: EventBridge's `rate(1 minute)` at the
 * top of the minute, and, past TIDE_SERVICES_PER_WORKER services, its fan-out
 * to worker invocations of itself through the Lambda Invoke API.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { localStackForTests } from './localStack';

const local = localStackForTests({ TIDE_SERVICES_PER_WORKER: '1' });
const { admin } = local;

describe('the scheduled evaluator on the local stack', () => {
  it('evaluates every service at the next minute, fanning out to one worker per service', async () => {
    const services = ['busy-a', 'busy-b'];
    for (const service of services) {
      const put = await admin(`/v1/services/${service}`, 'PUT', {
        min: 1,
        max: 20,
        target: { provider: 'sim', offeredLoad: 400, capacityPerReplica: 50, initialReplicas: 2, startupDelay: '60s' },
        policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] },
      });
      expect(put.status).toBe(201);
    }
    // Nothing evaluates on demand here: only the schedule can write these events. It fires within a minute.
    const scaled = async (service: string) => {
      const items = (await admin(`/v1/services/${service}/events`)).body.items as Array<{ trigger: string; status: string }>;
      return items.some((e) => e.trigger === 'policy' && e.status === 'applied');
    };
    const deadline = Date.now() + 80_000;
    while (Date.now() < deadline && !(await scaled('busy-a') && (await scaled('busy-b')))) await wait(500);
    for (const service of services) expect(await scaled(service)).toBe(true);
    expect(local.stack.output()).not.toMatch(/\[evaluator\]/);
  }, 100_000);
});
