import { describe, expect, it } from 'vitest';
import { renderChart, runBacktest, type MinuteRow } from '../../lib/backtest';
import { policySchema } from '../../lib/policy';

const policy = policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 60 }] });

/** Element names in document order, after checking that every tag closes in order and every attribute is quoted. */
function wellFormedElements(svg: string): string[] {
  const names: string[] = [];
  const open: string[] = [];
  const rest = svg.replace(/<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, (_, closing: string, name: string, _attributes: string, selfClosing: string) => {
    if (closing) expect(open.pop(), `</${name}>`).toBe(name);
    else {
      names.push(name);
      if (!selfClosing) open.push(name);
    }
    return '';
  });
  expect(open).toEqual([]);
  // Anything left that looks like markup was not a well-formed tag; text holds no raw "&" either.
  expect(rest).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot);)/);
  return names;
}

const pointsOf = (svg: string): number[] => [...svg.matchAll(/points="([^"]*)"/g)].map((m) => (m[1] ?? '').split(' ').length);

describe('Function: renderChart', () => {
  it('draws a well-formed SVG with axes, a legend and one line each for load, ready capacity and replicas', () => {
    const { series } = runBacktest([5, 5, 30, 30, 30, 30, 5, 5], { policy, min: 1, max: 10, capacity: 10 });
    const svg = renderChart(series, { capacity: 10, title: 'step <load> & "friends"' });
    const elements = wellFormedElements(svg);
    expect(elements[0]).toBe('svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1400" height="600" viewBox="0 0 1400 600"/);
    expect(elements.filter((e) => e === 'polyline')).toHaveLength(3);
    expect(pointsOf(svg)).toEqual([8, 8, 8]);
    for (const label of ['offered load', 'ready capacity (ready replicas × 10)', 'replicas, ready or starting', 'overloaded minutes', 'requests per minute', 'time into the trace']) {
      expect(svg).toContain(label);
    }
    expect(svg).toContain('step &lt;load&gt; &amp; &quot;friends&quot;');
  });

  it('marks overloaded minutes with a band', () => {
    const row = (minute: number, overloaded: boolean): MinuteRow => ({ minute, load: 10, readyReplicas: 1, desiredReplicas: 1, cpuRatio: 100, overloaded });
    const series = [row(0, false), row(1, true), row(2, true), row(3, false), row(4, true)];
    const bands = renderChart(series, { capacity: 10 }).match(/fill="#d62728"\/>/g) ?? [];
    // Two runs of overloaded minutes, plus the legend's swatch.
    expect(bands).toHaveLength(3);
  });

  it('keeps at most 2000 points a line for a long trace, and still shows a one-minute peak', () => {
    const series = Array.from({ length: 50_000 }, (_, minute): MinuteRow => {
      const load = minute === 31_337 ? 900 : 20 + (minute % 7);
      return { minute, load, readyReplicas: 3, desiredReplicas: 3, cpuRatio: load / 0.3, overloaded: load > 30 };
    });
    const svg = renderChart(series, { capacity: 10 });
    wellFormedElements(svg);
    for (const points of pointsOf(svg)) expect(points).toBeLessThanOrEqual(2000);
    // Drawn last, the load line reaches as high as it does in a chart of the minutes around the peak alone.
    const highestLoad = (chart: string) => Math.min(...(chart.match(/points="([^"]*)"\/>\n<\/svg>/)?.[1] ?? '').split(' ').map((p) => Number(p.split(',')[1])));
    expect(highestLoad(svg)).toBeGreaterThan(0);
    expect(highestLoad(svg)).toBe(highestLoad(renderChart(series.slice(31_000, 32_000), { capacity: 10 })));
  });

  it('draws an empty series without failing', () => {
    wellFormedElements(renderChart([], { capacity: 10 }));
  });
});
