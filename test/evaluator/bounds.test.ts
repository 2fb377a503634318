import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import { evaluateServices } from '../../lib/evaluator/evaluate';
import { parseServiceDocument } from '../../lib/services/schema';
import { freshNamespace } from '../support/client';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 5);
const DEADLINE = NOW + 10_000;
const day = createTide(loadConfig(), () => NOW);
/** The same deployment after TIDE_RETENTION_SECONDS went down to 6 hours. */
const sixHours = createTide({ ...loadConfig(), retentionSeconds: 6 * 3600 }, () => NOW);

describe('a stored policy the retention no longer covers', () => {
  it('is not evaluated on the data left: its decision is an error naming the window, until it is PUT again', async () => {
    const ns = freshNamespace();
    const document = {
      mode: 'dry-run',
      min: 1,
      max: 5,
      target: { provider: 'sim', offeredLoad: 100, capacityPerReplica: 50, initialReplicas: 2 },
      policy: { rules: [{ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, outDuration: '12h' }] },
    };
    await day.services.put({ namespace: ns, service: 'myweb', ...parseServiceDocument(document, 'myweb', ns, day.config) }, NOW);

    const [decision] = await evaluateServices(sixHours, { owner: 'bounds', namespace: ns, deadline: DEADLINE, dryRun: true });
    expect(decision).toMatchObject({
      status: 'error',
      reason: 'the stored policy no longer parses; PUT the service again',
      detail: expect.stringContaining('must be at most 6h: metrics are kept 6h (TIDE_RETENTION_SECONDS)'),
    });
    expect(() => parseServiceDocument(document, 'myweb', ns, sixHours.config)).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
});
