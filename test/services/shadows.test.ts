import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { httpApiForTests } from '../support/httpApi';
import { expectFieldRefused } from '../support/problems';

const api = httpApiForTests();
const policy = { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] };
const target = { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50 };
const load90 = { rules: [{ type: 'load', metric: 'cpu_ratio', target: 90 }] };

describe('shadow policies in a service document', () => {
  it('stores them parsed, defaults applied, and shows each in the status, not started until evaluated', async () => {
    const ns = freshNamespace();
    const put = await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: { min: 1, max: 5, target, policy, shadows: { 'load-90': load90 } } });
    expect(put.status).toBe(201);
    expect(put.body.shadows['load-90']).toMatchObject({ rules: [{ type: 'load', target: 90, inWindow: '45m' }], stabilization: { scaleIn: '5m' } });
    const shown = await call(api.url, 'GET', `/v1/services/web?namespace=${ns}`);
    expect(shown.body.status.shadows).toEqual({
      'load-90': {
        since: null,
        minutes: 0,
        replicas: null,
        lastDecision: null,
        live: { replicaMinutes: 0, overloadedMinutes: 0, scalingActions: 0 },
        shadow: { replicaMinutes: 0, overloadedMinutes: 0, scalingActions: 0 },
      },
    });
    // A service without shadows shows none.
    await call(api.url, 'PUT', `/v1/services/plain?namespace=${ns}`, { body: { min: 1, max: 5, target, policy } });
    expect((await call(api.url, 'GET', `/v1/services/plain?namespace=${ns}`)).body.status).not.toHaveProperty('shadows');
  });

  it('takes the document docs/POLICIES.md shows for shadow policies, as written', async () => {
    const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'POLICIES.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## Shadow policies'));
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '');
    const put = await call(api.url, 'PUT', `/v1/services/demo?namespace=${freshNamespace()}`, { body: example });
    expect(put.status).toBe(201);
    expect(Object.keys(put.body.shadows)).toEqual(['target-90', 'load-90']);
  });

  const bad: Array<{ name: string; shadows: unknown; evaluationInterval?: string; path: string; message: RegExp }> = [
    { name: 'a target of 0', shadows: { 'load-90': { rules: [{ type: 'load', metric: 'cpu_ratio', target: 0 }] } }, path: 'shadows.load-90.rules[0].target', message: /must be a number > 0/ },
    { name: 'four shadows', shadows: { a: load90, b: load90, c: load90, d: load90 }, path: 'shadows', message: /^at most 3 shadow policies/ },
    { name: 'a name a service could not have', shadows: { 'load 90': load90 }, path: 'shadows.load 90', message: /^must be 1-128 characters of A-Z a-z 0-9 _ \. : \/ -$/ },
    { name: 'a shadow without rules', shadows: { empty: { rules: [] } }, path: 'shadows.empty.rules', message: /a policy needs at least one rule/ },
    { name: 'a misspelt field', shadows: { x: { ...load90, cooldwn: {} } }, path: 'shadows.x', message: /cooldwn/ },
    { name: 'a list instead of named policies', shadows: [load90], path: 'shadows', message: /^must be an object of named policies$/ },
    {
      name: 'a stabilization window longer than 120 evaluations',
      shadows: { fast: { ...load90, stabilization: { scaleIn: '30m' } } },
      evaluationInterval: '10s',
      path: 'shadows.fast.stabilization.scaleIn',
      message: /^must be at most 20m with evaluationInterval 10s/,
    },
  ];

  it.each(bad)('$name → 400 naming $path, nothing stored', async ({ shadows, evaluationInterval, path, message }) => {
    const ns = freshNamespace();
    const answer = await call(api.url, 'PUT', `/v1/services/web?namespace=${ns}`, { body: { min: 1, max: 5, target, policy, shadows, ...(evaluationInterval ? { evaluationInterval } : {}) } });
    expectFieldRefused(answer, path, message);
    expect((await call(api.url, 'GET', `/v1/services/web?namespace=${ns}`)).status).toBe(404);
  });
});
