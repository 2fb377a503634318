import { describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { ProviderError, type ScaleRequest } from '../../lib/providers/provider';
import { SimProvider, simulatedSamples, type SimulatedSample } from '../../lib/providers/sim';
import { simTarget } from '../../lib/targets/sim';
import { SimulatedServiceStore } from '../../lib/store/simulatedServices';
import { freshNamespace } from '../support/client';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const s = (seconds: number) => T0 + seconds * 1000;

const target = simTarget.parse({ provider: 'sim', offeredLoad: 120, capacityPerReplica: 50, startupDelay: '60s', initialReplicas: 1 });

function scaling(to: number, from: number): ScaleRequest {
  return { namespace: 'n/a', service: 'n/a', from, to, trigger: 'manual', reason: 'test', ts: T0 };
}

/** A provider as the composition root builds one for each evaluation: fresh, over the shared table; what it reports is kept in `reported`. */
function providerAt(namespace: string, now: number, service = 'myweb') {
  const app = tide();
  const store = new SimulatedServiceStore(app.db, app.config.tableName);
  const reported: Array<{ samples: SimulatedSample[]; ts: number }> = [];
  const simulator = {
    load: () => store.get(namespace, service),
    save: (state: Parameters<SimulatedServiceStore['put']>[2]) => store.put(namespace, service, state),
    report: async (samples: SimulatedSample[], ts: number) => {
      reported.push({ samples, ts });
    },
  };
  return { provider: new SimProvider(target, simulator, () => now), store, reported };
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

  it("reports its ready replicas' readings itself, as no node agent runs them", async () => {
    const namespace = freshNamespace('sim');
    await providerAt(namespace, T0).provider.setReplicas(scaling(3, 1));
    const starting = providerAt(namespace, s(30));
    await starting.provider.reportMetrics(s(30));
    expect(starting.reported).toEqual([{ samples: [{ container: 'sim-0', cpu_ratio: 240 }], ts: s(30) }]);
    const ready = providerAt(namespace, s(60));
    await ready.provider.reportMetrics(s(60));
    expect(ready.reported).toEqual([{ samples: [0, 1, 2].map((i) => ({ container: `sim-${i}`, cpu_ratio: 80 })), ts: s(60) }]);
  });
});
