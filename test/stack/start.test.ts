/**
 * `npm start` as a product: a second one beside the first comes up on the
 * next free port and says where, without touching the first one's data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/local/dynamodb';
import { checkoutView, npmStart, type RunningStack } from './localStack';

let view: ReturnType<typeof checkoutView>;
let first: RunningStack;
let second: RunningStack;
let port: number;

const admin = (stack: RunningStack, path: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${path}`, { ...init, headers: { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json', ...init.headers } });

beforeAll(async () => {
  view = checkoutView();
  port = await freePort();
  // Both ask for the same port, as two `npm start`s ask for 3000.
  first = await npmStart(view.dir, { TIDE_HTTP_PORT: String(port), TIDE_EVALUATOR_SCHEDULE: 'false' });
  second = await npmStart(view.dir, { TIDE_HTTP_PORT: String(port), TIDE_EVALUATOR_SCHEDULE: 'false' });
}, 120_000);

afterAll(async () => {
  await second?.stop();
  await first?.stop();
  view?.remove();
});

describe('a second npm start in the same folder', () => {
  it('serves on another port and says where', () => {
    expect(first.url).toBe(`http://127.0.0.1:${port}`);
    expect(second.url).not.toBe(first.url);
    expect(second.output()).toContain(`Port ${port} is taken (another Tide?), so this one serves on ${new URL(second.url).port}.`);
    expect(second.output()).toContain(`use TIDE_URL=${second.url} for the CLI`);
  });

  it('leaves .tide/url and the stored data to the first', async () => {
    expect(readFileSync(join(view.dir, '.tide', 'url'), 'utf8').trim()).toBe(first.url);
    const put = await admin(second, '/v1/services/only-in-second', {
      method: 'PUT',
      body: JSON.stringify({ mode: 'manual', min: 1, max: 3, target: { provider: 'http', url: 'http://127.0.0.1:9/scale' } }),
    });
    expect(put.status).toBe(201);
    expect((await admin(second, '/v1/services/only-in-second')).status).toBe(200);
    expect((await admin(first, '/v1/services/only-in-second')).status).toBe(404);
  });
});
