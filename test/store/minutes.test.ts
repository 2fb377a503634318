import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { tide } from '../../lib/app';
import type { Aggregate } from '../../lib/statistics';
import { keys } from '../../lib/store/keys';
import { MinuteStore, type NodeMinute } from '../../lib/store/minutes';
import { freshNamespace } from '../support/client';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** 10:59 of some hour, so a window of three minutes crosses into the next hour's partition. */
const start = Math.floor(Date.parse('2026-11-30T10:59:00Z') / MINUTE) * MINUTE;

const store = (shards = 1) => new MinuteStore(tide().db, tide().config.tableName, shards);
const agg = (count: number, sum: number, min: number, max: number): Aggregate => ({ count, sum, min, max });
const minute = (at: number, seq: number, services: Record<string, [number, Record<string, Aggregate>]>): NodeMinute => ({
  start: at,
  seq,
  services: new Map(Object.entries(services).map(([name, [containers, metrics]]) => [name, { containers, metrics: new Map(Object.entries(metrics)) }])),
});

/**
 * An item's size as DynamoDB bills it: names and strings their UTF-8 bytes,
 * a number 1 byte per two significant digits plus 1, a list or map 3 bytes
 * plus 1 per element (docs: "Item sizes and formats").
 */
function itemSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace('.', '').replace(/e.*$/, '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + itemSize(v), 0);
  if (typeof value === 'object' && value !== null) return 3 + Object.entries(value).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 1 + itemSize(v), 0);
  return 1;
}
const topLevelSize = (item: Record<string, unknown>) => Object.entries(item).reduce((n, [k, v]) => n + Buffer.byteLength(k) + itemSize(v), 0);

describe('MinuteStore', () => {
  it('keeps the post of a node minute with the highest seq: a retry or a late older post changes nothing', async () => {
    const namespace = freshNamespace();
    expect(await store().writeNodeMinute(namespace, 'n1', minute(start, 3, { web: [2, { cpu_ratio: agg(6, 180, 20, 40) }] }), 0)).toBe(true);
    expect(await store().writeNodeMinute(namespace, 'n1', minute(start, 6, { web: [2, { cpu_ratio: agg(12, 480, 20, 60) }] }), 0)).toBe(true);
    expect(await store().writeNodeMinute(namespace, 'n1', minute(start, 6, { web: [2, { cpu_ratio: agg(12, 480, 20, 60) }] }), 0)).toBe(false);
    expect(await store().writeNodeMinute(namespace, 'n1', minute(start, 3, { web: [2, { cpu_ratio: agg(6, 180, 20, 40) }] }), 0)).toBe(false);
    expect(await store().readMinutes(namespace, [0], start, start)).toEqual(new Map([['web', [{ metric: 'cpu_ratio', start, count: 12, sum: 480, min: 20, max: 60 }]]]));
  });

  it('merges nodes, across an hour boundary: counts and sums add, the extremes hold, containers add over nodes', async () => {
    const namespace = freshNamespace();
    const s = store();
    await s.writeNodeMinute(namespace, 'n1', minute(start, 1, { web: [2, { cpu_ratio: agg(12, 480, 20, 60), rps: agg(12, 1200, 90, 110) }] }), 0);
    await s.writeNodeMinute(namespace, 'n2', minute(start, 1, { web: [3, { cpu_ratio: agg(18, 900, 10, 70) }], db: [1, { mem_usage: agg(6, 6e9, 1e9, 1e9) }] }), 0);
    await s.writeNodeMinute(namespace, 'n1', minute(start + MINUTE, 1, { web: [2, { cpu_ratio: agg(12, 240, 20, 20) }] }), 0);
    const minutes = await s.readServiceMinutes(namespace, [0], start, start + 2 * MINUTE);
    expect(minutes.get('web')).toEqual([
      {
        start,
        containers: 5,
        buckets: [
          { metric: 'cpu_ratio', start, count: 30, sum: 1380, min: 10, max: 70 },
          { metric: 'rps', start, count: 12, sum: 1200, min: 90, max: 110 },
        ],
      },
      { start: start + MINUTE, containers: 2, buckets: [{ metric: 'cpu_ratio', start: start + MINUTE, count: 12, sum: 240, min: 20, max: 20 }] },
    ]);
    expect(minutes.get('db')?.map((m) => m.containers)).toEqual([1]);
    expect(await s.readService(namespace, 'web', ['rps'], start, start + HOUR)).toEqual([{ metric: 'rps', start, count: 12, sum: 1200, min: 90, max: 110 }]);
  });

  it('reads one service by name, whatever characters SPEC allows in it', async () => {
    const namespace = freshNamespace();
    const names = ['shop/web', 'stack_svc.1:a-b', 'default/nginx'];
    await store().writeNodeMinute(namespace, 'n1', minute(start, 1, Object.fromEntries(names.map((name, i) => [name, [1, { cpu_ratio: agg(1, i, i, i) }]]))), 0);
    for (const [i, name] of names.entries()) expect(await store().readService(namespace, name, ['cpu_ratio'], start, start)).toEqual([{ metric: 'cpu_ratio', start, count: 1, sum: i, min: i, max: i }]);
  });

  it('stores a samples batch once per batchId, and the same batchId from another node apart', async () => {
    const namespace = freshNamespace();
    const group = { service: 'web', start, containers: 1, metrics: new Map([['cpu_ratio', agg(1, 50, 50, 50)]]) };
    expect(await store().writeBatch(namespace, 'n1', 'b-1', [group], () => 0)).toBe(true);
    expect(await store().writeBatch(namespace, 'n1', 'b-1', [group], () => 0)).toBe(false);
    expect(await store().writeBatch(namespace, 'n2', 'b-1', [group], () => 0)).toBe(true);
    expect((await store().readService(namespace, 'web', ['cpu_ratio'], start, start)).map((b) => b.count)).toEqual([2]);
  });

  it('spreads services over shards by name, and a read of some shards sees only their services', async () => {
    const namespace = freshNamespace();
    const s = store(4);
    const services = Array.from({ length: 12 }, (_, i) => `svc${i}`);
    await s.writeNodeMinute(namespace, 'n1', minute(start, 1, Object.fromEntries(services.map((name) => [name, [1, { cpu_ratio: agg(6, 60, 10, 10) }]]))), 0);
    const shards = new Set(services.map((name) => s.shardOf(name)));
    expect(shards.size).toBeGreaterThan(1);
    for (const shard of shards) {
      const read = await s.readMinutes(namespace, [shard], start, start);
      expect([...read.keys()].sort()).toEqual(services.filter((name) => s.shardOf(name) === shard).sort());
    }
    expect((await s.readMinutes(namespace, [0, 1, 2, 3], start, start)).size).toBe(12);
  });

  it("holds a node's minute of 10 containers of 3 services, every built-in metric, within one write unit (1 KB)", async () => {
    const namespace = freshNamespace();
    // What the agent sends for a minute of 6 cycles: percentages to 2 decimals, bytes whole.
    const builtIns = (containers: number): Record<string, Aggregate> => {
      const n = 6 * containers;
      return {
        cpu_ratio: agg(n, 1234.56, 3.21, 87.65),
        mem_usage: agg(n, n * 312_345_678, 201_326_592, 402_653_184),
        mem_limit: agg(n, n * 1_073_741_824, 1_073_741_824, 1_073_741_824),
        mem_ratio: agg(n, 1745.28, 18.75, 37.5),
        net_read: agg(n, n * 123_456, 1_024, 987_654),
        net_write: agg(n, n * 65_432, 512, 456_789),
        blk_read: agg(n, n * 4_096, 0, 65_536),
        blk_write: agg(n, n * 8_192, 0, 131_072),
      };
    };
    const services = { 'shop_web-frontend': [4, builtIns(4)], 'shop_api-backend': [4, builtIns(4)], shop_worker: [2, builtIns(2)] } as Record<string, [number, Record<string, Aggregate>]>;
    await store().writeNodeMinute(namespace, 'ip-10-0-12-34.ec2.internal', minute(start, 6, services), Math.floor(start / 1000) + 86_460);
    const { Item } = await tide().db.send(new GetCommand({ TableName: tide().config.tableName, Key: keys.nodeMinute(namespace, 0, start / 1000, 'ip-10-0-12-34.ec2.internal') }));
    const size = topLevelSize(Item ?? {});
    expect(size).toBeGreaterThan(500);
    expect(size).toBeLessThanOrEqual(1024);
  });
});
