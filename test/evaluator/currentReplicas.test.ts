import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices } from '../../lib/evaluator/evaluate';
import { recordSamples } from '../../lib/ingest/record';
import { ProviderError, type Provider } from '../../lib/providers/provider';
import { scaleService, type ScaleIntent } from '../../lib/scaling/service';
import { parseServiceDocument } from '../../lib/services/schema';
import { freshNamespace } from '../support/client';
import { closedPortUrl } from '../support/loopback';

// Five seconds into a minute bucket, so the last sample sits in the bucket still open.
const NOW = Date.UTC(2026, 10, 22, 10, 0, 5);
const app = createTide(loadConfig(), () => NOW);
/** The admin function's 10 s, as POST /v1/evaluate would have it. */
const DEADLINE = NOW + 10_000;

const policy = { rules: [{ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, outDuration: '2m', increaseBy: 1 }] };

async function putService(namespace: string, document: Record<string, unknown>) {
  const { stored } = await app.services.put({ namespace, service: 'myweb', ...parseServiceDocument(document, 'myweb', namespace, app.config) }, NOW);
  return stored;
}

function reportCpu(namespace: string, containers: string[], ts: number) {
  return recordSamples(app, { namespace, node: 'node1', samples: containers.map((container) => ({ ts, service: 'myweb', container, cpu_ratio: 95 })) });
}

describe('replicas of an http target that does not answer GET', () => {
  it('counts the containers that reported in the last 2 minutes, the open bucket included', async () => {
    const ns = freshNamespace();
    await putService(ns, { mode: 'dry-run', min: 1, max: 10, target: { provider: 'http', url: await closedPortUrl() }, policy });
    await reportCpu(ns, ['c1', 'c2'], NOW - 5_000);

    const [decision] = await evaluateServices(app, { owner: 'count', namespace: ns, deadline: DEADLINE });
    expect(decision).toMatchObject({ status: 'skipped', from: 2, to: 3 });
    expect(await app.events.list(ns, 'myweb', 10)).toEqual([expect.objectContaining({ from: 2, to: 3, status: 'skipped' })]);
  });

  it('records a failed read without inventing replicas when no container reported and Tide never knew them', async () => {
    const ns = freshNamespace();
    await putService(ns, { min: 1, max: 10, target: { provider: 'http', url: await closedPortUrl() }, policy });
    await reportCpu(ns, ['c1'], NOW - 130_000); // its bucket began before the last 2 minutes

    const [decision] = await evaluateServices(app, { owner: 'none', namespace: ns, deadline: DEADLINE });
    expect(decision).toMatchObject({ status: 'failed', reason: 'could not read the current replicas', detail: expect.stringContaining('no container has reported in the last 2 minutes') });
    expect(decision).toMatchObject({ from: null, to: null });
    const [event] = await app.events.list(ns, 'myweb', 10);
    expect(event).toMatchObject({ status: 'failed', reason: 'could not read the current replicas', from: null, to: null });
  });
});

describe('a platform that fails to answer the read', () => {
  const failingRead: Provider = {
    readReplicas: () => Promise.reject(new ProviderError('kubernetes', 'read', 'GET https://k8s.example/apis/apps/v1 did not answer: ECONNREFUSED')),
    setReplicas: () => Promise.reject(new Error('a failed read must not scale')),
  };
  const toFour: ScaleIntent = { trigger: 'manual', plan: () => ({ to: 4, reason: 'release' }) };
  const options = (provider: Provider) => ({ owner: 'read-test', wait: false, dryRun: false, provider, deadline: DEADLINE });

  it('records the replicas Tide last knew, from to itself, and keeps them', async () => {
    const ns = freshNamespace();
    const svc = await putService(ns, { mode: 'manual', min: 1, max: 10, target: { provider: 'http', url: 'https://ops.example/scale' } });
    const applied = await scaleService(app, svc, toFour, options({ readReplicas: async () => 2, setReplicas: async () => undefined }));
    expect(applied).toMatchObject({ status: 'applied', from: 2, to: 4 });

    const failed = await scaleService(app, svc, toFour, options(failingRead));
    expect(failed).toMatchObject({ status: 'failed', from: 4, to: 4, detail: expect.stringContaining('ECONNREFUSED') });
    // Both events carry the same injected time.
    const events = await app.events.list(ns, 'myweb', 10);
    expect(events.find((e) => e.status === 'failed')).toMatchObject({ from: 4, to: 4, reason: 'could not read the current replicas' });
    expect((await app.serviceStates.get(ns, 'myweb')).replicas).toBe(4);
  });

  it('records null replicas, not 0 → 0, for a service Tide never knew', async () => {
    const ns = freshNamespace();
    const svc = await putService(ns, { mode: 'manual', min: 1, max: 10, target: { provider: 'http', url: 'https://ops.example/scale' } });
    const failed = await scaleService(app, svc, toFour, options(failingRead));
    expect(failed).toMatchObject({ status: 'failed', from: null, to: null });
    const [event] = await app.events.list(ns, 'myweb', 1);
    expect(event).toMatchObject({ status: 'failed', reason: 'could not read the current replicas', from: null, to: null });
  });
});
