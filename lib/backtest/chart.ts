import { formatDuration } from '../duration';
import type { MinuteRow } from './series';

export interface ChartOptions {
  /** Requests a minute one replica serves at 100% CPU: turns replicas into capacity. */
  capacity: number;
  title?: string;
}

const WIDTH = 1400;
const HEIGHT = 600;
const PLOT = { left: 80, right: WIDTH - 80, top: 70, bottom: HEIGHT - 60 };
/** Each line keeps a low and a high point per group, so at most 2000 points however long the trace. */
const MAX_GROUPS = 1000;
const COLORS = { load: '#1f77b4', capacity: '#ff7f0e', replicas: '#444444', overloaded: '#d62728', grid: '#e5e5e5', axis: '#333333' };
const X_STEPS_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 7 * 1440, 14 * 1440, 28 * 1440];
const DAY_MINUTES = 1440;

/**
 * The replay as a self-contained SVG: offered load and ready capacity in requests a minute on the
 * left axis, replicas (ready or starting) on the right axis, scaled so that N replicas sit at
 * N × capacity — where the replicas line runs above ready capacity, replicas are still starting.
 * Long traces are drawn as each group's low and high, so short peaks and dips stay visible.
 * A red band under the plot marks minutes whose load was more than the ready replicas serve.
 */
export function renderChart(series: readonly MinuteRow[], options: ChartOptions): string {
  const { capacity } = options;
  const first = series[0]?.minute ?? 0;
  const last = series.at(-1)?.minute ?? first;
  const span = Math.max(last - first, 1);
  const highest = Math.max(1, ...series.map((r) => Math.max(r.load, r.desiredReplicas * capacity, r.readyReplicas * capacity)));
  const yStep = niceStep(highest / 6);
  const yMax = Math.ceil((highest * 1.05) / yStep) * yStep;

  const x = (minute: number) => PLOT.left + ((minute - first) / span) * (PLOT.right - PLOT.left);
  const y = (value: number) => PLOT.bottom - (value / yMax) * (PLOT.bottom - PLOT.top);
  const groups = groupsOf(series);
  const line = (value: (r: MinuteRow) => number, color: string, extra = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="1.2"${extra} points="${envelope(groups, value)
      .map((r) => `${num(x(r.minute))},${num(y(value(r)))}`)
      .join(' ')}"/>`;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="24" font-size="16" font-weight="bold">${escape(options.title ?? 'Backtest')}</text>`,
    ...legend(capacity),
    ...yAxes(yMax, yStep, capacity, y),
    ...xAxis(first, last, x),
    ...overloadBands(groups, x),
    line((r) => r.desiredReplicas * capacity, COLORS.replicas, ' stroke-dasharray="4 3"'),
    line((r) => r.readyReplicas * capacity, COLORS.capacity),
    // Load last, on top: it is what the other two lines answer.
    line((r) => r.load, COLORS.load),
    '</svg>',
    '',
  ].join('\n');
}

function legend(capacity: number): string[] {
  const entries = [
    { color: COLORS.load, label: 'offered load (requests/min)' },
    { color: COLORS.capacity, label: `ready capacity (ready replicas × ${num(capacity)})` },
    { color: COLORS.replicas, label: 'replicas, ready or starting (right axis)', dash: true },
    { color: COLORS.overloaded, label: 'overloaded minutes', band: true },
  ];
  let left = PLOT.left;
  return entries.map(({ color, label, dash, band }) => {
    const swatch = band
      ? `<rect x="${left}" y="40" width="24" height="6" fill="${color}"/>`
      : `<line x1="${left}" y1="43" x2="${left + 24}" y2="43" stroke="${color}" stroke-width="2"${dash ? ' stroke-dasharray="4 3"' : ''}/>`;
    const entry = `${swatch}<text x="${left + 30}" y="47">${escape(label)}</text>`;
    left += 30 + label.length * 6.5 + 24;
    return entry;
  });
}

function yAxes(yMax: number, yStep: number, capacity: number, y: (value: number) => number): string[] {
  const out = [
    `<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.bottom}" stroke="${COLORS.axis}"/>`,
    `<line x1="${PLOT.right}" y1="${PLOT.top}" x2="${PLOT.right}" y2="${PLOT.bottom}" stroke="${COLORS.axis}"/>`,
    `<text transform="translate(20 ${num((PLOT.top + PLOT.bottom) / 2)}) rotate(-90)" text-anchor="middle">requests per minute</text>`,
    `<text transform="translate(${WIDTH - 20} ${num((PLOT.top + PLOT.bottom) / 2)}) rotate(90)" text-anchor="middle">replicas</text>`,
  ];
  for (let value = 0; value <= yMax + yStep / 2; value += yStep) {
    out.push(
      `<line x1="${PLOT.left}" y1="${num(y(value))}" x2="${PLOT.right}" y2="${num(y(value))}" stroke="${COLORS.grid}"/>`,
      `<text x="${PLOT.left - 6}" y="${num(y(value) + 4)}" text-anchor="end">${num(value)}</text>`,
    );
  }
  // Whole replicas only, about as many ticks as the left axis.
  const replicaStep = Math.max(1, niceStep(yMax / capacity / 6));
  for (let replicas = 0; replicas * capacity <= yMax; replicas += replicaStep) {
    const at = num(y(replicas * capacity));
    out.push(
      `<line x1="${PLOT.right}" y1="${at}" x2="${PLOT.right + 5}" y2="${at}" stroke="${COLORS.axis}"/>`,
      `<text x="${PLOT.right + 8}" y="${num(y(replicas * capacity) + 4)}">${replicas}</text>`,
    );
  }
  return out;
}

function xAxis(first: number, last: number, x: (minute: number) => number): string[] {
  const step = X_STEPS_MINUTES.find((s) => (last - first) / s <= 10) ?? Math.ceil((last - first) / 10 / DAY_MINUTES) * DAY_MINUTES;
  const out = [
    `<line x1="${PLOT.left}" y1="${PLOT.bottom}" x2="${PLOT.right}" y2="${PLOT.bottom}" stroke="${COLORS.axis}"/>`,
    `<text x="${num((PLOT.left + PLOT.right) / 2)}" y="${HEIGHT - 12}" text-anchor="middle">time into the trace</text>`,
  ];
  for (let minute = Math.ceil(first / step) * step; minute <= last; minute += step) {
    const label = step >= DAY_MINUTES ? `day ${minute / DAY_MINUTES}` : formatDuration(minute * 60_000);
    out.push(
      `<line x1="${num(x(minute))}" y1="${PLOT.bottom}" x2="${num(x(minute))}" y2="${PLOT.bottom + 5}" stroke="${COLORS.axis}"/>`,
      `<text x="${num(x(minute))}" y="${PLOT.bottom + 20}" text-anchor="middle">${escape(label)}</text>`,
    );
  }
  return out;
}

/** One band per run of groups holding an overloaded minute, just above the x axis. */
function overloadBands(groups: readonly (readonly MinuteRow[])[], x: (minute: number) => number): string[] {
  const bands: Array<{ from: number; to: number }> = [];
  for (const group of groups) {
    if (!group.some((r) => r.overloaded)) continue;
    const from = group[0]?.minute ?? 0;
    const to = (group.at(-1)?.minute ?? from) + 1;
    const previous = bands.at(-1);
    if (previous && previous.to >= from) previous.to = to;
    else bands.push({ from, to });
  }
  return bands.map(
    ({ from, to }) => `<rect x="${num(x(from))}" y="${PLOT.bottom - 6}" width="${num(Math.max(x(to) - x(from), 1))}" height="6" fill="${COLORS.overloaded}"/>`,
  );
}

/** Consecutive minutes in at most MAX_GROUPS groups: one minute each when the trace is short enough. */
function groupsOf(series: readonly MinuteRow[]): MinuteRow[][] {
  const size = Math.ceil(series.length / MAX_GROUPS);
  const groups: MinuteRow[][] = [];
  for (let i = 0; i < series.length; i += size) groups.push(series.slice(i, i + size));
  return groups;
}

/** Each group's lowest and highest row for `value`, in time order. */
function envelope(groups: readonly (readonly MinuteRow[])[], value: (r: MinuteRow) => number): MinuteRow[] {
  return groups.flatMap((group) => {
    let low = group[0];
    let high = group[0];
    for (const r of group) {
      if (low === undefined || value(r) < value(low)) low = r;
      if (high === undefined || value(r) > value(high)) high = r;
    }
    if (low === undefined || high === undefined) return [];
    if (low === high) return [low];
    return low.minute < high.minute ? [low, high] : [high, low];
  });
}

/** 1, 2 or 5 × a power of ten, at least `rough`. */
function niceStep(rough: number): number {
  if (!(rough > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const multiple = [1, 2, 5, 10].find((m) => m * power >= rough) ?? 10;
  return multiple * power;
}

const num = (n: number): string => String(Math.round(n * 10) / 10);

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
