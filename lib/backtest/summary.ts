import { formatDuration } from '../duration';
import type { MinuteRow } from './series';

export interface BacktestSummary {
  minutes: number;
  /** Requests a minute one replica serves at 100% CPU. */
  capacity: number;
  startupDelay: string;
  peakLoad: number;
  /** Σ desired replicas over the minutes: starting replicas cost as much as serving ones. */
  replicaMinutes: number;
  /** Minutes whose load was more than the ready replicas serve. */
  minutesOverloaded: number;
  /** Σ of each minute's load beyond its ready capacity: requests that met a saturated service. */
  loadAboveCapacity: number;
  scalingActions: number;
  scaleOuts: number;
  scaleIns: number;
  maxReplicas: number;
  meanReplicas: number;
  /** Per-minute cpu_ratio as the service reports it: demand over ready capacity, above 100 when overloaded. */
  meanCpuRatio: number;
  p95CpuRatio: number;
  /** The fixed fleet that never overloads: enough replicas for the peak minute. */
  staticPeakReplicas: number;
  staticReplicaMinutes: number;
  staticMeanCpuRatio: number;
  /** replicaMinutes as a fraction of staticReplicaMinutes. */
  replicaMinutesVsStatic: number;
}

const round = (n: number, decimals: number): number => Number(n.toFixed(decimals));

export function summarize(
  series: readonly MinuteRow[],
  actions: { scaleOuts: number; scaleIns: number },
  capacity: number,
  startupDelayMs: number,
): BacktestSummary {
  const minutes = series.length;
  let replicaMinutes = 0;
  let totalLoad = 0;
  let peakLoad = 0;
  let maxReplicas = 0;
  let minutesOverloaded = 0;
  let loadAboveCapacity = 0;
  for (const row of series) {
    replicaMinutes += row.desiredReplicas;
    totalLoad += row.load;
    peakLoad = Math.max(peakLoad, row.load);
    maxReplicas = Math.max(maxReplicas, row.desiredReplicas);
    if (row.overloaded) minutesOverloaded++;
    loadAboveCapacity += Math.max(0, row.load - row.readyReplicas * capacity);
  }
  const cpu = series.map((row) => row.cpuRatio).sort((a, b) => a - b);
  const staticPeakReplicas = Math.ceil(peakLoad / capacity);
  const staticReplicaMinutes = staticPeakReplicas * minutes;
  return {
    minutes,
    capacity,
    startupDelay: formatDuration(startupDelayMs),
    peakLoad,
    replicaMinutes,
    minutesOverloaded,
    loadAboveCapacity: round(loadAboveCapacity, 2),
    scalingActions: actions.scaleOuts + actions.scaleIns,
    ...actions,
    maxReplicas,
    meanReplicas: round(replicaMinutes / minutes, 2),
    meanCpuRatio: round(cpu.reduce((sum, c) => sum + c, 0) / minutes, 2),
    p95CpuRatio: round(percentile(cpu, 95), 2),
    staticPeakReplicas,
    staticReplicaMinutes,
    staticMeanCpuRatio: staticReplicaMinutes === 0 ? 0 : round((100 * totalLoad) / (staticReplicaMinutes * capacity), 2),
    replicaMinutesVsStatic: staticReplicaMinutes === 0 ? 0 : round(replicaMinutes / staticReplicaMinutes, 3),
  };
}

/** Nearest-rank percentile of sorted values: a value that actually occurred. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
