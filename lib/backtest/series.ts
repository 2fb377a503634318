/** One minute of the replay, after that minute's evaluation. */
export interface MinuteRow {
  minute: number;
  /** Requests offered in this minute. */
  load: number;
  readyReplicas: number;
  /** Ready and starting replicas: what the platform runs, and what it bills. */
  desiredReplicas: number;
  cpuRatio: number;
  /** The load is more than the ready replicas serve. */
  overloaded: boolean;
}

const SERIES_HEADER = 'minute,load,ready_replicas,desired_replicas,cpu_ratio';

/** The replay as CSV, one row a minute, for a spreadsheet or a plotting tool. */
export function seriesCsv(series: readonly MinuteRow[]): string {
  const rows = series.map((r) => `${r.minute},${r.load},${r.readyReplicas},${r.desiredReplicas},${Number(r.cpuRatio.toFixed(2))}`);
  return `${[SERIES_HEADER, ...rows].join('\n')}\n`;
}
