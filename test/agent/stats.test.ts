import { describe, expect, it } from 'vitest';
import { countersOf, memoryOf, readSnapshot, type DockerStats } from '../../agent/stats';
import { CGROUP_V1_STATS, CGROUP_V2_STATS, later } from './dockerExamples';

describe('one snapshot (the documented bodies)', () => {
  it('cgroup v1: CPU from the daemon’s precpu_stats, memory less total_inactive_file, as docker stats prints them', () => {
    const { metrics } = readSnapshot(CGROUP_V1_STATS, undefined);
    // cpu_delta 100215355 − 100093996 over system_delta 739306590000000 − 9492140000000, 4 online CPUs
    expect(metrics.cpu_ratio).toBeCloseTo((121359 / 729814450000000) * 4 * 100, 20);
    expect(metrics).toMatchObject({ mem_usage: 6537216, mem_limit: 67108864, mem_ratio: 9.7412109375 });
  });

  it('cgroup v2 read with one-shot: no CPU yet (precpu_stats is empty), memory less inactive_file', () => {
    const { metrics } = readSnapshot(CGROUP_V2_STATS, undefined);
    expect(metrics.cpu_ratio).toBeUndefined();
    expect(metrics.mem_usage).toBe(10396928 - 2510848);
    expect(metrics.mem_limit).toBe(8217579520);
    expect(metrics.mem_ratio).toBeCloseTo(((10396928 - 2510848) / 8217579520) * 100, 12);
  });

  it('reports no byte rates on first sight: they need the previous cycle', () => {
    const { metrics } = readSnapshot(CGROUP_V2_STATS, undefined);
    expect(Object.keys(metrics).filter((k) => /^(net|blk)_/.test(k))).toEqual([]);
  });

  it('keeps the totals: every interface’s bytes, reads and writes from io_service_bytes_recursive', () => {
    expect(countersOf(CGROUP_V1_STATS)).toEqual({
      readAt: Date.parse('2015-01-08T22:57:31.547Z'),
      cpuTotal: 100215355,
      systemTotal: 739306590000000,
      netRead: 5338 + 4641,
      netWrite: 648 + 690,
      blkRead: 0,
      blkWrite: 0,
    });
    expect(countersOf(CGROUP_V2_STATS)).toMatchObject({ blkRead: 7593984, blkWrite: 100 });
  });

  it('counts only Read and Write of cgroup v1’s blkio ops, not Sync, Async or Total', () => {
    const stats: DockerStats = {
      read: CGROUP_V1_STATS.read,
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'Read', value: 4096 },
          { op: 'Write', value: 1024 },
          { op: 'Sync', value: 5120 },
          { op: 'Async', value: 0 },
          { op: 'Discard', value: 0 },
          { op: 'Total', value: 5120 },
        ],
      },
    };
    expect(countersOf(stats)).toMatchObject({ blkRead: 4096, blkWrite: 1024 });
  });

  it('counts percpu_usage when an older daemon sends no online_cpus', () => {
    const { online_cpus: _, ...cpu } = CGROUP_V1_STATS.cpu_stats;
    const { metrics } = readSnapshot({ ...CGROUP_V1_STATS, cpu_stats: cpu }, undefined);
    expect(metrics.cpu_ratio).toBeCloseTo((121359 / 729814450000000) * 4 * 100, 20);
  });
});

describe('two snapshots of one container, 10 s apart', () => {
  const tenSeconds = { seconds: 10, cpuNs: 2e9, systemNs: 10 * 4 * 1e9, rxBytes: 10240, txBytes: 20480, readBytes: 4096, writeBytes: 8192 };

  it('gives CPU over the interval and bytes per second', () => {
    const first = readSnapshot(CGROUP_V2_STATS, undefined);
    const { metrics } = readSnapshot(later(CGROUP_V2_STATS, tenSeconds), first.counters);
    // 2 s of CPU while 4 CPUs ran 10 s each: 5% of the host, × 4 CPUs = 20, as docker stats prints it
    expect(metrics.cpu_ratio).toBeCloseTo(20, 10);
    expect(metrics).toMatchObject({ net_read: 1024, net_write: 2048, blk_read: 409.6, blk_write: 819.2 });
  });

  it('prefers its own previous snapshot to the daemon’s precpu_stats', () => {
    const first = readSnapshot(CGROUP_V1_STATS, undefined);
    const second = { ...later(CGROUP_V1_STATS, tenSeconds), precpu_stats: CGROUP_V1_STATS.precpu_stats };
    expect(readSnapshot(second, first.counters).metrics.cpu_ratio).toBeCloseTo(20, 10);
  });

  it('reports 0 for an idle container and 0 B/s for no traffic', () => {
    const first = readSnapshot(CGROUP_V2_STATS, undefined);
    const idle = later(CGROUP_V2_STATS, { seconds: 10, cpuNs: 0, systemNs: 40e9 });
    expect(readSnapshot(idle, first.counters).metrics).toMatchObject({ cpu_ratio: 0, net_read: 0, net_write: 0, blk_read: 0, blk_write: 0 });
  });

  it('reports no CPU or rates when the counters went back (the container restarted)', () => {
    const { counters } = readSnapshot(later(CGROUP_V2_STATS, tenSeconds), undefined);
    const restarted = later(CGROUP_V2_STATS, { seconds: 20, cpuNs: 0, systemNs: 80e9 });
    const { metrics } = readSnapshot(restarted, counters);
    expect(metrics.cpu_ratio).toBeUndefined();
    expect(metrics.net_read).toBeUndefined();
    expect(metrics.mem_usage).toBe(10396928 - 2510848);
  });
});

describe('memory as the docker CLI counts it', () => {
  const MiB = 1024 * 1024;
  const cases: Array<{ name: string; memory: DockerStats['memory_stats']; expected: Record<string, number> }> = [
    {
      name: 'cgroup v1 subtracts total_inactive_file, not cache (docker ≥ 19.03)',
      memory: { usage: 100 * MiB, limit: 400 * MiB, stats: { cache: 40 * MiB, total_inactive_file: 30 * MiB, inactive_file: 10 * MiB } },
      expected: { mem_usage: 70 * MiB, mem_limit: 400 * MiB, mem_ratio: 17.5 },
    },
    {
      name: 'cgroup v2 subtracts inactive_file',
      memory: { usage: 100 * MiB, limit: 200 * MiB, stats: { inactive_file: 20 * MiB, file: 50 * MiB } },
      expected: { mem_usage: 80 * MiB, mem_limit: 200 * MiB, mem_ratio: 40 },
    },
    {
      name: 'inactive file larger than usage leaves usage as it is',
      memory: { usage: 10 * MiB, limit: 100 * MiB, stats: { inactive_file: 20 * MiB } },
      expected: { mem_usage: 10 * MiB, mem_limit: 100 * MiB, mem_ratio: 10 },
    },
    {
      name: 'usage past the limit shows 100%, the most Tide accepts',
      memory: { usage: 101 * MiB, limit: 100 * MiB, stats: {} },
      expected: { mem_usage: 101 * MiB, mem_limit: 100 * MiB, mem_ratio: 100 },
    },
    { name: 'no limit reported: usage only', memory: { usage: 5 * MiB, limit: 0 }, expected: { mem_usage: 5 * MiB } },
    { name: 'no memory stats (a Windows container): nothing', memory: {}, expected: {} },
  ];

  it.each(cases)('$name', ({ memory, expected }) => {
    expect(memoryOf(memory)).toEqual(expected);
  });
});
