import type { DockerStats } from '../../agent/stats';

/**
 * Stats bodies from the Docker Engine API documentation (moby/moby docs/api).
 *
 * cgroup v1: the example answer of `GET /containers/{id}/stats` in v1.41.yaml,
 * as the daemon sends it without `one-shot` (precpu_stats filled).
 */
export const CGROUP_V1_STATS = {
  read: '2015-01-08T22:57:31.547920715Z',
  pids_stats: { current: 3 },
  networks: {
    eth0: { rx_bytes: 5338, rx_dropped: 0, rx_errors: 0, rx_packets: 36, tx_bytes: 648, tx_dropped: 0, tx_errors: 0, tx_packets: 8 },
    eth5: { rx_bytes: 4641, rx_dropped: 0, rx_errors: 0, rx_packets: 26, tx_bytes: 690, tx_dropped: 0, tx_errors: 0, tx_packets: 9 },
  },
  memory_stats: {
    stats: {
      total_pgmajfault: 0,
      cache: 0,
      mapped_file: 0,
      total_inactive_file: 0,
      pgpgout: 414,
      rss: 6537216,
      total_mapped_file: 0,
      writeback: 0,
      unevictable: 0,
      pgpgin: 477,
      total_unevictable: 0,
      pgmajfault: 0,
      total_rss: 6537216,
      total_rss_huge: 6291456,
      total_writeback: 0,
      total_inactive_anon: 0,
      rss_huge: 6291456,
      hierarchical_memory_limit: 67108864,
      total_pgfault: 964,
      total_active_file: 0,
      active_anon: 6537216,
      total_active_anon: 6537216,
      total_pgpgout: 414,
      total_cache: 0,
      inactive_anon: 0,
      active_file: 0,
      pgfault: 964,
      inactive_file: 0,
      total_pgpgin: 477,
    },
    max_usage: 6651904,
    usage: 6537216,
    failcnt: 0,
    limit: 67108864,
  },
  blkio_stats: {},
  cpu_stats: {
    cpu_usage: {
      percpu_usage: [8646879, 24472255, 36438778, 30657443],
      usage_in_usermode: 50000000,
      total_usage: 100215355,
      usage_in_kernelmode: 30000000,
    },
    system_cpu_usage: 739306590000000,
    online_cpus: 4,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  },
  precpu_stats: {
    cpu_usage: {
      percpu_usage: [8646879, 24350896, 36438778, 30657443],
      usage_in_usermode: 50000000,
      total_usage: 100093996,
      usage_in_kernelmode: 30000000,
    },
    system_cpu_usage: 9492140000000,
    online_cpus: 4,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  },
};

/** What a one-shot read puts in precpu_stats: zeros, since the daemon took no earlier reading. */
export const ONE_SHOT_PRECPU = {
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
};

/**
 * cgroup v2: the field examples of ContainerStatsResponse in v1.50.yaml (the
 * v2 `memory_stats.stats` keys, blkio with only io_service_bytes_recursive, no
 * percpu_usage), read with `one-shot=true`. Where the schema's examples are
 * placeholders (usage 0, system_cpu_usage 5, online_cpus 5), a 4-CPU host's
 * values stand in; usage is anon + file + kernel_stack + slab of the example.
 */
export const CGROUP_V2_STATS = {
  name: 'boring_wozniak',
  id: 'ede54ee1afda366ab42f824e8a5ffd195155d853ceaec74a927f249ea270c743',
  read: '2025-01-16T13:55:22.165243637Z',
  preread: '0001-01-01T00:00:00Z',
  pids_stats: { current: 5 },
  blkio_stats: {
    io_service_bytes_recursive: [
      { major: 254, minor: 0, op: 'read', value: 7593984 },
      { major: 254, minor: 0, op: 'write', value: 100 },
    ],
    io_serviced_recursive: null,
    io_queue_recursive: null,
    io_service_time_recursive: null,
    io_wait_time_recursive: null,
    io_merged_recursive: null,
    io_time_recursive: null,
    sectors_recursive: null,
  },
  num_procs: 0,
  cpu_stats: {
    cpu_usage: { total_usage: 29912000, usage_in_kernelmode: 21994000, usage_in_usermode: 7918000 },
    system_cpu_usage: 1_000_000_000_000,
    online_cpus: 4,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  },
  precpu_stats: ONE_SHOT_PRECPU,
  memory_stats: {
    usage: 10396928,
    stats: {
      active_anon: 1572864,
      active_file: 5115904,
      anon: 1572864,
      anon_thp: 0,
      file: 7626752,
      file_dirty: 0,
      file_mapped: 2723840,
      file_writeback: 0,
      inactive_anon: 0,
      inactive_file: 2510848,
      kernel_stack: 16384,
      pgactivate: 0,
      pgdeactivate: 0,
      pgfault: 2042,
      pglazyfree: 0,
      pglazyfreed: 0,
      pgmajfault: 45,
      pgrefill: 0,
      pgscan: 0,
      pgsteal: 0,
      shmem: 0,
      slab: 1180928,
      slab_reclaimable: 725576,
      slab_unreclaimable: 455352,
      sock: 0,
      thp_collapse_alloc: 0,
      thp_fault_alloc: 1,
      unevictable: 0,
      workingset_activate: 0,
      workingset_nodereclaim: 0,
      workingset_refault: 0,
    },
    limit: 8217579520,
  },
  networks: {
    eth0: { rx_bytes: 5338, rx_dropped: 0, rx_errors: 0, rx_packets: 36, tx_bytes: 648, tx_dropped: 0, tx_errors: 0, tx_packets: 8 },
    eth5: { rx_bytes: 4641, rx_dropped: 0, rx_errors: 0, rx_packets: 26, tx_bytes: 690, tx_dropped: 0, tx_errors: 0, tx_packets: 9 },
  },
};

export interface Advance {
  seconds: number;
  /** Nanoseconds of CPU the container used, and the host's CPU time passed (seconds × CPUs × 1e9). */
  cpuNs: number;
  systemNs: number;
  rxBytes?: number;
  txBytes?: number;
  readBytes?: number;
  writeBytes?: number;
}

/** The same container's one-shot snapshot `seconds` later, its counters grown by the given amounts (on eth0 and the read and write entries). */
export function later(stats: DockerStats, by: Advance): DockerStats {
  const next = structuredClone(stats);
  next.read = new Date(Date.parse(stats.read ?? '') + by.seconds * 1000).toISOString();
  next.precpu_stats = ONE_SHOT_PRECPU;
  const cpu = next.cpu_stats ?? {};
  cpu.cpu_usage = { ...cpu.cpu_usage, total_usage: (cpu.cpu_usage?.total_usage ?? 0) + by.cpuNs };
  cpu.system_cpu_usage = (cpu.system_cpu_usage ?? 0) + by.systemNs;
  const eth0 = next.networks?.eth0;
  if (eth0) {
    eth0.rx_bytes = (eth0.rx_bytes ?? 0) + (by.rxBytes ?? 0);
    eth0.tx_bytes = (eth0.tx_bytes ?? 0) + (by.txBytes ?? 0);
  }
  for (const entry of next.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (entry.op === 'read') entry.value = (entry.value ?? 0) + (by.readBytes ?? 0);
    if (entry.op === 'write') entry.value = (entry.value ?? 0) + (by.writeBytes ?? 0);
  }
  return next;
}
