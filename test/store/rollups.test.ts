import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import { keys } from '../../lib/store/keys';
import { HOUR_MS, ROLLUP_RETENTION_DAYS } from '../../lib/store/rollups';
import { freshNamespace } from '../support/client';

const HOUR = Date.UTC(2030, 0, 1, 10);
const DAY = 24 * HOUR_MS;
const store = () => tide().rollups;
const minutes = (f: (minute: number) => number | undefined) => Array.from({ length: 60 }, (_, m) => f(m));

/**
 * An item's size as DynamoDB bills it: attribute names and strings in UTF-8 bytes, a number 1 byte
 * plus 1 per two significant digits, null 1 byte, a list 3 bytes plus 1 per element.
 */
function itemSize(item: Record<string, unknown>): number {
  const size = (value: unknown): number => {
    if (value === null) return 1;
    if (typeof value === 'string') return Buffer.byteLength(value);
    if (typeof value === 'number') return 1 + Math.ceil(String(value).replace(/^[-0.]+|\./g, '').replace(/0+$/, '').length / 2);
    if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + size(v), 0);
    throw new TypeError(`no size for ${typeof value}`);
  };
  return Object.entries(item).reduce((n, [name, value]) => n + Buffer.byteLength(name) + size(value), 0);
}

describe('rollups', () => {
  describe('Method: putHour', () => {
    it('keeps each minute of each load key to 4 significant digits, with null where no load was kept, for 14 days after the hour', async () => {
      const ns = freshNamespace();
      const cpu = minutes((m) => (m === 7 ? undefined : 123.456789 + m));
      await store().putHour(ns, 'web', { hour: HOUR, loads: new Map([['cpu_ratio.mean*replicas', cpu]]) });
      const { Item } = await tide().db.send(new GetCommand({ TableName: tide().config.tableName, Key: keys.rollup(ns, 'web', HOUR / 1000) }));
      expect(Item?.['l:cpu_ratio.mean*replicas']).toHaveLength(60);
      expect((Item?.['l:cpu_ratio.mean*replicas'] as unknown[]).slice(6, 9)).toEqual([129.5, null, 131.5]);
      expect(Item?.expiresAt).toBe((HOUR + HOUR_MS) / 1000 + ROLLUP_RETENTION_DAYS * 86_400);
    });

    it('replaces what an earlier write of the same hour said', async () => {
      const ns = freshNamespace();
      await store().putHour(ns, 'web', { hour: HOUR, loads: new Map([['rps.sum', minutes(() => 1)]]) });
      await store().putHour(ns, 'web', { hour: HOUR, loads: new Map([['rps.sum', minutes(() => 2)]]) });
      const [hour] = await store().getHours(ns, 'web', [HOUR]);
      expect(hour?.loads.get('rps.sum')).toEqual(minutes(() => 2));
    });

    it('refuses an hour that does not start on the hour, or a key without 60 minutes', async () => {
      const ns = freshNamespace();
      await expect(store().putHour(ns, 'web', { hour: HOUR + 60_000, loads: new Map() })).rejects.toThrow(/starts on the hour/);
      await expect(store().putHour(ns, 'web', { hour: HOUR, loads: new Map([['rps.sum', [1, 2]]]) })).rejects.toThrow(/60 minutes of rps.sum/);
    });
  });

  describe('size', () => {
    // docs/POLICIES.md prices the rollups from these sizes.
    it('keeps an hour of one load key in about 330 bytes, and of three in under 1 KB: one write unit, half a read unit', async () => {
      const ns = 'default';
      const service = `web-${freshNamespace()}`.slice(0, 20);
      // Loads of a few hundred to a few thousand, as cpu_ratio × replicas reads: 4 significant digits each.
      const load = (m: number) => 150 + ((m * 7919) % 2850) + 0.37;
      const sized = async (loadKeys: string[]) => {
        await store().putHour(ns, service, { hour: HOUR, loads: new Map(loadKeys.map((k) => [k, minutes(load)])) });
        const { Item } = await tide().db.send(new GetCommand({ TableName: tide().config.tableName, Key: keys.rollup(ns, service, HOUR / 1000) }));
        return itemSize(Item as Record<string, unknown>);
      };
      const one = await sized(['cpu_ratio.mean*replicas']);
      expect(one).toBeGreaterThan(300);
      expect(one).toBeLessThan(360);
      expect(await sized(['cpu_ratio.mean*replicas', 'rps.sum', 'queue_length.max'])).toBeLessThan(1024);
    });
  });

  describe('Method: getHours', () => {
    it('reads the same hour of 14 days in one request, leaving out the hours never written', async () => {
      const ns = freshNamespace();
      for (const day of [1, 2, 7]) {
        await store().putHour(ns, 'web', { hour: HOUR - day * DAY, loads: new Map([['rps.sum', minutes((m) => day * 100 + m)]]) });
      }
      await store().putHour(freshNamespace(), 'web', { hour: HOUR - DAY, loads: new Map([['rps.sum', minutes(() => 9)]]) });
      const hours = await store().getHours(ns, 'web', Array.from({ length: 14 }, (_, d) => HOUR - (d + 1) * DAY));
      expect(hours.map((h) => h.hour)).toEqual([HOUR - 7 * DAY, HOUR - 2 * DAY, HOUR - DAY]);
      expect(hours.at(-1)?.loads.get('rps.sum')?.slice(0, 2)).toEqual([100, 101]);
    });

    it('reads more than 100 hours, DynamoDB’s limit for one request, in several', async () => {
      const ns = freshNamespace();
      const asked = Array.from({ length: 130 }, (_, h) => HOUR - h * HOUR_MS);
      await store().putHour(ns, 'web', { hour: asked[120] as number, loads: new Map([['rps.sum', minutes(() => 5)]]) });
      expect((await store().getHours(ns, 'web', asked)).map((h) => h.hour)).toEqual([asked[120]]);
    });
  });

  describe('Method: readHours', () => {
    it('reads a range of hours, oldest first, each with its load keys', async () => {
      const ns = freshNamespace();
      for (let h = 0; h < 5; h++) {
        await store().putHour(ns, 'web', { hour: HOUR - h * HOUR_MS, loads: new Map([['cpu_ratio.mean*replicas', minutes(() => h)], ['rps.sum', minutes(() => 10 * h)]]) });
      }
      const hours = await store().readHours(ns, 'web', HOUR - 3 * HOUR_MS, HOUR - HOUR_MS);
      expect(hours.map((h) => h.hour)).toEqual([HOUR - 3 * HOUR_MS, HOUR - 2 * HOUR_MS, HOUR - HOUR_MS]);
      expect([...(hours[0]?.loads.keys() ?? [])].sort()).toEqual(['cpu_ratio.mean*replicas', 'rps.sum']);
      expect(hours[0]?.loads.get('rps.sum')?.[0]).toBe(30);
    });
  });
});
