import type { BuiltInMetric } from '../lib/names';

/**
 * The parts of `GET /containers/{id}/stats` the agent reads (Docker Engine API,
 * Linux containers; cgroup v1 and v2). Every field is optional: the daemon
 * omits what the host's cgroup version does not have.
 */
export interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface DockerStats {
  read?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op?: string; value?: number }> | null };
}

export type Metrics = Partial<Record<BuiltInMetric, number>>;

/** What the agent keeps of a container until the next cycle: the running totals rates are taken from. */
export interface Counters {
  readAt: number;
  cpuTotal: number;
  systemTotal: number;
  netRead: number;
  netWrite: number;
  blkRead: number;
  blkWrite: number;
}

/** The totals in one snapshot; undefined without a readable `read` time, since no rate can be taken then. */
export function countersOf(stats: DockerStats): Counters | undefined {
  const readAt = Date.parse(stats.read ?? '');
  if (Number.isNaN(readAt)) return undefined;
  const net = Object.values(stats.networks ?? {});
  // As `docker stats` does: the first letter of the op tells reads from writes
  // (cgroup v1 says "Read"/"Write" and also lists "Sync", "Total"…; v2 says "read"/"write").
  const io = stats.blkio_stats?.io_service_bytes_recursive ?? [];
  const ioTotal = (letter: string) => sum(io.filter((e) => e.op?.[0]?.toLowerCase() === letter).map((e) => e.value ?? 0));
  return {
    readAt,
    cpuTotal: stats.cpu_stats?.cpu_usage?.total_usage ?? 0,
    systemTotal: stats.cpu_stats?.system_cpu_usage ?? 0,
    netRead: sum(net.map((n) => n.rx_bytes ?? 0)),
    netWrite: sum(net.map((n) => n.tx_bytes ?? 0)),
    blkRead: ioTotal('r'),
    blkWrite: ioTotal('w'),
  };
}

/**
 * CPU percent of one host's capacity as `docker stats` prints it:
 * (container CPU delta / host CPU delta) × online CPUs × 100. The baseline is
 * the container's previous snapshot, or the daemon's own `precpu_stats` when
 * it filled them (a one-shot read leaves them empty). Undefined when the
 * deltas make no sense (first sight, a restarted container): a made-up 0
 * would drag the service's mean down.
 */
function cpuRatio(current: CpuStats | undefined, baseline: Pick<Counters, 'cpuTotal' | 'systemTotal'> | undefined): number | undefined {
  if (!current || !baseline) return undefined;
  const cpuDelta = (current.cpu_usage?.total_usage ?? 0) - baseline.cpuTotal;
  const systemDelta = (current.system_cpu_usage ?? 0) - baseline.systemTotal;
  // Older daemons have no online_cpus; the API docs say to count percpu_usage then.
  const cpus = current.online_cpus || current.cpu_usage?.percpu_usage?.length || 0;
  if (systemDelta <= 0 || cpuDelta < 0 || cpus === 0) return undefined;
  return (cpuDelta / systemDelta) * cpus * 100;
}

/** The daemon's previous CPU reading, when it took one (not with `one-shot=true`). */
function precpuBaseline(stats: DockerStats): Pick<Counters, 'cpuTotal' | 'systemTotal'> | undefined {
  const pre = stats.precpu_stats;
  if (!pre?.system_cpu_usage) return undefined;
  return { cpuTotal: pre.cpu_usage?.total_usage ?? 0, systemTotal: pre.system_cpu_usage };
}

/**
 * Memory the way the docker CLI counts it: usage minus the page cache that
 * the kernel can reclaim (`total_inactive_file` on cgroup v1, `inactive_file`
 * on cgroup v2), so a container that reads many files does not look full.
 */
export function memoryOf(memory: DockerStats['memory_stats']): Metrics {
  if (memory?.usage === undefined) return {};
  const used = usedMemory(memory.usage, memory.stats ?? {});
  if (!memory.limit) return { mem_usage: used };
  // Usage can briefly pass the limit on cgroup v1; Tide refuses a batch with a ratio over 100.
  return { mem_usage: used, mem_limit: memory.limit, mem_ratio: Math.min(100, (used / memory.limit) * 100) };
}

function usedMemory(usage: number, stats: Record<string, number>): number {
  const v1 = stats.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = stats.inactive_file ?? 0;
  return v2 < usage ? usage - v2 : usage;
}

/** Bytes per second between two snapshots; a counter that went back (restart) gives no rate. */
function ratesBetween(previous: Counters, current: Counters): Metrics {
  const seconds = (current.readAt - previous.readAt) / 1000;
  if (seconds <= 0) return {};
  const rates: Metrics = {};
  const pairs = [
    ['net_read', 'netRead'],
    ['net_write', 'netWrite'],
    ['blk_read', 'blkRead'],
    ['blk_write', 'blkWrite'],
  ] as const;
  for (const [metric, counter] of pairs) {
    const delta = current[counter] - previous[counter];
    if (delta >= 0) rates[metric] = delta / seconds;
  }
  return rates;
}

/**
 * Every metric one snapshot gives, against the container's previous counters
 * when the agent has them, and the counters to keep for the next cycle.
 */
export function readSnapshot(stats: DockerStats, previous: Counters | undefined): { metrics: Metrics; counters: Counters | undefined } {
  const counters = countersOf(stats);
  const cpu = cpuRatio(stats.cpu_stats, previous ?? precpuBaseline(stats));
  const metrics: Metrics = {
    ...(cpu === undefined ? {} : { cpu_ratio: cpu }),
    ...memoryOf(stats.memory_stats),
    ...(previous && counters ? ratesBetween(previous, counters) : {}),
  };
  return { metrics, counters };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
