import { describe, expect, it, vi } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices } from '../../lib/evaluator/evaluate';
import { parseServiceDocument } from '../../lib/services/schema';
import type { StoredService } from '../../lib/store/services';
import { freshNamespace } from '../support/client';

// The evaluator runs a policy as a PUT stored it when the document's stamp is this deployment's,
// and parses it again (loading the schema then) when the stamp is missing or another's.
const parsedAgain = vi.hoisted(() => vi.fn());
vi.mock('../../lib/policy/reparse', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../lib/policy/reparse')>();
  return {
    ...actual,
    parseStoredPolicies: (...args: Parameters<typeof actual.parseStoredPolicies>) => {
      parsedAgain(args[0]);
      return actual.parseStoredPolicies(...args);
    },
  };
});

const NOW = Date.UTC(2026, 10, 22, 10, 0, 5);
const app = createTide(loadConfig(), () => NOW);
// 200 load on 2 replicas of 50 → cpu_ratio 200; a target of 60 asks for ceil(2 × 200 / 60) = 7, limited by max 5.
const document = {
  min: 1,
  max: 5,
  target: { provider: 'sim', offeredLoad: 200, capacityPerReplica: 50, initialReplicas: 2 },
  policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] },
};

async function evaluate(stored: (ns: string) => StoredService) {
  const ns = freshNamespace();
  await app.services.put(stored(ns), NOW);
  parsedAgain.mockClear();
  const [decision] = await evaluateServices(app, { owner: 'stored-policy', namespace: ns, deadline: NOW + 10_000 });
  return decision;
}

/** As an older Tide stored the document: the policy as the client wrote it, no default filled in, no stamp. */
const asWritten = (ns: string, extra: Record<string, unknown> = {}) =>
  ({ namespace: ns, service: 'web', mode: 'auto', evaluationInterval: '1m', ...document, target: { ...document.target, startupDelay: '60s' }, ...extra }) as unknown as StoredService;

describe('a stored policy in the evaluator', () => {
  it('is run as stored when its document carries this deployment’s stamp: the schema does not parse it again', async () => {
    const decision = await evaluate((ns) => ({ namespace: ns, service: 'web', ...parseServiceDocument(document, 'web', ns, app.config) }) as StoredService);
    expect(decision).toMatchObject({ status: 'applied', from: 2, to: 5, metrics: { 'cpu_ratio.mean.1m': 200 } });
    expect(parsedAgain).not.toHaveBeenCalled();
  });

  it.each([
    { name: 'without a stamp (written by an older Tide)', extra: {} },
    { name: 'stamped with other defaults or bounds', extra: { policyStamp: 'another' } },
  ])('is parsed again $name, and runs with the defaults the schema fills in', async ({ extra }) => {
    const decision = await evaluate((ns) => asWritten(ns, extra));
    // The statistic (mean) and window (1m) were not stored: the schema's defaults named the reading.
    expect(decision).toMatchObject({ status: 'applied', from: 2, to: 5, metrics: { 'cpu_ratio.mean.1m': 200 } });
    expect(parsedAgain).toHaveBeenCalledTimes(1);
  });

  it('says when a document it parses again no longer parses', async () => {
    const decision = await evaluate((ns) => asWritten(ns, { policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: -1 }] } }));
    expect(decision).toMatchObject({ status: 'error', reason: 'the stored policy no longer parses; PUT the service again', detail: expect.stringContaining('must be a number > 0') });
  });
});
