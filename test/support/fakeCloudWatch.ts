import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { listenOnLoopback, stopServer } from './loopback';

// A stand-in for Amazon CloudWatch's GetMetricData on 127.0.0.1, speaking the AWS JSON 1.0
// protocol as @aws-sdk/client-cloudwatch sends it (X-Amz-Target GraniteServiceVersion20100801.*,
// times as epoch seconds), for the real SDK client. Each metric the test sets has one value: every
// period in the request's StartTime..EndTime gets a datapoint with it (a queue whose depth the test
// sets). Unknown metrics answer no datapoints, as CloudWatch does.

export interface FakeMetric {
  namespace: string;
  metricName: string;
  dimensions?: Record<string, string>;
}

export interface FakeCloudWatchCall {
  target: string;
  headers: IncomingHttpHeaders;
  body: GetMetricDataBody;
}

interface GetMetricDataBody {
  MetricDataQueries?: Array<{
    Id: string;
    MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: Array<{ Name: string; Value: string }> }; Period: number; Stat: string };
  }>;
  StartTime?: number;
  EndTime?: number;
  ScanBy?: string;
  NextToken?: string;
}

const TARGET = 'GraniteServiceVersion20100801.GetMetricData';

const keyOf = (namespace: string, metricName: string, dimensions: Record<string, string> = {}) =>
  JSON.stringify([namespace, metricName, Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : 1))]);

export interface FakeCloudWatchOptions {
  /** Datapoints per page before a NextToken (CloudWatch's is far larger); unset, one page. */
  pageSize?: number;
}

export async function startFakeCloudWatch(options: FakeCloudWatchOptions = {}) {
  const values = new Map<string, number>();
  const forbidden = new Set<string>();
  const calls: FakeCloudWatchCall[] = [];
  let refusal: { status: number; type: string; message: string } | undefined;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const target = String(req.headers['x-amz-target'] ?? '');
      const answer = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(json));
      const error = (status: number, type: string, message: string) => answer(status, { __type: type, message });
      if (req.headers['content-type'] !== 'application/x-amz-json-1.0') return error(400, 'SerializationException', 'Unexpected content type');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as GetMetricDataBody;
      calls.push({ target, headers: req.headers, body });
      if (target !== TARGET) return error(400, 'UnknownOperationException', `${target} is not an operation this fake knows`);
      if (refusal) return error(refusal.status, refusal.type, refusal.message);
      const queries = body.MetricDataQueries ?? [];
      if (queries.length === 0 || queries.length > 500) return error(400, 'ValidationError', 'MetricDataQueries must hold 1 to 500 queries');
      if (queries.some((q) => !/^[a-z][a-zA-Z0-9_]*$/.test(q.Id))) return error(400, 'ValidationError', 'The Id of a MetricDataQuery must start with a lowercase letter');
      if (new Set(queries.map((q) => q.Id)).size !== queries.length) return error(400, 'ValidationError', 'The Ids of MetricDataQueries must be unique');
      if (typeof body.StartTime !== 'number' || typeof body.EndTime !== 'number' || body.StartTime >= body.EndTime) {
        return error(400, 'ValidationError', 'The parameter StartTime must be less than the parameter EndTime.');
      }
      const { StartTime: start, EndTime: end } = body;
      // Every datapoint of every query, in the order a scan by ascending time returns them.
      const all = queries.flatMap((q) => {
        const stat = q.MetricStat;
        if (!stat) return [];
        const dimensions = Object.fromEntries((stat.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
        const key = keyOf(stat.Metric.Namespace, stat.Metric.MetricName, dimensions);
        const value = values.get(key);
        if (value === undefined || forbidden.has(key)) return [];
        const points: Array<{ id: string; ts: number; value: number }> = [];
        for (let ts = Math.ceil(start / stat.Period) * stat.Period; ts < end; ts += stat.Period) points.push({ id: q.Id, ts, value });
        return points;
      });
      const from = Number(body.NextToken ?? 0);
      const to = options.pageSize === undefined ? all.length : Math.min(all.length, from + options.pageSize);
      const page = all.slice(from, to);
      const more = to < all.length;
      return answer(200, {
        MetricDataResults: queries.map((q) => {
          const stat = q.MetricStat;
          const dimensions = Object.fromEntries((stat?.Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
          if (stat && forbidden.has(keyOf(stat.Metric.Namespace, stat.Metric.MetricName, dimensions))) {
            return { Id: q.Id, Label: stat.Metric.MetricName, Timestamps: [], Values: [], StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'not authorized for this metric' }] };
          }
          const mine = page.filter((p) => p.id === q.Id);
          return { Id: q.Id, Label: stat?.Metric.MetricName ?? q.Id, Timestamps: mine.map((p) => p.ts), Values: mine.map((p) => p.value), StatusCode: more ? 'PartialData' : 'Complete' };
        }),
        ...(more ? { NextToken: String(to) } : {}),
        Messages: [],
      });
    })();
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    calls,
    /** The metric's value from now on, in every period asked for. */
    set(metric: FakeMetric, value: number) {
      values.set(keyOf(metric.namespace, metric.metricName, metric.dimensions), value);
    },
    /** The metric answers Forbidden, as CloudWatch does for a metric the caller may not read. */
    forbid(metric: FakeMetric) {
      forbidden.add(keyOf(metric.namespace, metric.metricName, metric.dimensions));
    },
    /** Every call answers this error until cleared with undefined. */
    refuse(next: { status: number; type: string; message: string } | undefined) {
      refusal = next;
    },
    stop: () => stopServer(server),
  };
}

export type FakeCloudWatch = Awaited<ReturnType<typeof startFakeCloudWatch>>;
