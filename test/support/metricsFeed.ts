import { expect } from 'vitest';
import { call, freshNamespace } from './client';

/** A new agent key named worker1 for `namespace` (a fresh one unless given): what an agent posts its minutes with. */
export async function newAgentKey(base: string, namespace = freshNamespace()) {
  const created = await call(base, 'POST', '/v1/keys', { body: { namespace, name: 'worker1' } });
  expect(created.status).toBe(201);
  return { namespace, key: created.body.key as string, id: created.body.id as string };
}

/** Creates an agent key for a namespace and returns a function that posts cpu_ratio samples for a service. */
export async function agentFor(base: string, namespace: string) {
  const created = await call(base, 'POST', '/v1/keys', { body: { namespace, name: 'agent' } });
  expect(created.status).toBe(201);
  const key = created.body.key as string;
  return async (service: string, cpuValues: number[], ts = Date.now() - 20_000) => {
    const samples = cpuValues.map((cpu_ratio, i) => ({ ts: new Date(ts).toISOString(), service, container: `c${i}`, cpu_ratio }));
    const answer = await call(base, 'POST', `/v1/metrics?namespace=${namespace}`, { body: { node: 'node1', samples }, token: key });
    expect(answer.status).toBe(202);
  };
}
