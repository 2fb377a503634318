import { describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { ProviderError, type ProviderContext, type ScaleRequest } from '../../lib/providers/provider';
import { sim, simTarget, simulatedSamples } from '../../lib/providers/sim';
import { SimulatedServiceStore } from '../../lib/store/simulatedServices';
import { freshNamespace } from '../support/client';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const s = (seconds: number) => T0 + seconds * 1000;

const target = simTarget.parse({ provider: 'sim', offeredLoad: 120, capacityPerReplica: 50, startupDelay: '60s', initialReplicas: 1 });

function scaling(to: number, from: number): ScaleRequest {
  return { namespace: 'n/a', service: 'n/a', from, to, trigger: 'manual', reason: 'test', ts: T0 };
}

/** A provider as the composition root builds one for each evaluation: fresh, over the shared table. */
function providerAt(namespace: string, now: number, service = 'myweb') {
  const app = tide();
  const store = new SimulatedServiceStore(app.db, app.config.tableName);
  const context: ProviderContext = { resolveSecret: async () => '', now: () => now, guard: { localStack: true }, simulation: { store, namespace, service } };
  return { provider: sim.create(target, context), store };
}

describe('sim provider', () => {
  it('reports initialReplicas before its first scaling, and saves nothing for a read', async () => {
    const namespace = freshNamespace('sim');
    const { provider, store } = providerAt(namespace, T0);
    expect(await provider.readReplicas()).toBe(1);
    expect(await store.get(namespace, 'myweb')).toBeUndefined();
  });

  it('keeps its replicas across provider instances', async () => {
    const namespace = freshNamespace('sim');
    await providerAt(namespace, T0).provider.setReplicas(scaling(4, 1));
    expect(await providerAt(namespace, s(1)).provider.readReplicas()).toBe(4);

    const { store } = providerAt(namespace, s(1));
    const saved = await store.get(namespace, 'myweb');
    expect(saved?.replicas).toEqual([{ readyAt: T0 }, { readyAt: s(60) }, { readyAt: s(60) }, { readyAt: s(60) }]);
    expect(simulatedSamples(saved, target, s(59)).map((x) => x.cpu_ratio)).toEqual([240]);
    expect(simulatedSamples(saved, target, s(60))).toEqual([0, 1, 2, 3].map((i) => ({ container: `sim-${i}`, cpu_ratio: 60 })));

    await providerAt(namespace, s(2)).provider.setReplicas(scaling(0, 4));
    expect(await providerAt(namespace, s(3)).provider.readReplicas()).toBe(0);
    expect(await store.get(namespace, 'myweb')).toEqual({ replicas: [] });
  });

  it('keeps services apart by namespace and name', async () => {
    const namespace = freshNamespace('sim');
    await providerAt(namespace, T0, 'web').provider.setReplicas(scaling(3, 1));
    expect(await providerAt(namespace, T0, 'worker').provider.readReplicas()).toBe(1);
    expect(await providerAt(freshNamespace('sim'), T0, 'web').provider.readReplicas()).toBe(1);
  });

  it('refuses more replicas than it can keep in one item', async () => {
    const { provider } = providerAt(freshNamespace('sim'), T0);
    await expect(provider.setReplicas(scaling(10_001, 1))).rejects.toBeInstanceOf(ProviderError);
  });

  it('samples the initial replicas before any state exists', () => {
    expect(simulatedSamples(undefined, target, T0)).toEqual([{ container: 'sim-0', cpu_ratio: 240 }]);
  });

  it('needs the simulation in its context', () => {
    expect(() => sim.create(target, { resolveSecret: async () => '', now: () => T0, guard: { localStack: true } })).toThrow(/context\.simulation/);
  });
});
