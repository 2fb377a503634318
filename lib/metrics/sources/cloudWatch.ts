import type { CloudWatchClient, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { awsTimeouts } from '../../awsTimeouts';
import { parseDuration } from '../../duration';
import type { CloudWatchSource } from '../../policy';
import { isLoopbackUrl } from '../../targets/urls';

// Rules' metrics read from CloudWatch: one GetMetricData call per region per evaluation for every
// service's CloudWatch rules together (at most 500 metrics a call, so more make more calls),
// paged with NextToken. GetMetricData is billed per metric requested, so rules reading the same
// metric with the same statistic and period share one query, whichever services they belong to.

/** One rule's source and the longest window it reads, for one service. */
export interface CloudWatchRead {
  source: CloudWatchSource;
  windowMs: number;
}

/** A datapoint: the start of its period (epoch ms) and its value. */
export interface Datapoint {
  start: number;
  value: number;
}

/** A source's datapoints in the window, oldest first, or why there are none. */
export type CloudWatchReading = { datapoints: Datapoint[] } | { problem: string };

export interface CloudWatchContext {
  /** Where a source that names no region is read: the deployment's own (AWS_REGION). */
  region: string;
  /** TIDE_CLOUDWATCH_ENDPOINT: a local fake or emulator; unset on AWS. */
  endpoint?: string;
}

/** GetMetricData's limit on the queries in one call. */
export const QUERIES_PER_CALL = 500;

// Clients live as long as the warm Lambda container, one per region and endpoint, so connections are reused.
// The SDK is loaded at the first read, not with the function: most services read no CloudWatch metric.
type CloudWatch = { sdk: typeof import('@aws-sdk/client-cloudwatch'); client: CloudWatchClient };
const clients = new Map<string, Promise<CloudWatch>>();

function clientFor(region: string, endpoint: string | undefined): Promise<CloudWatch> {
  const key = `${region} ${endpoint ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    // The operator's endpoint (never a service document's): on loopback a local fake with fixed credentials; elsewhere (a VPC endpoint) CloudWatch itself.
    const chosen = endpoint === undefined ? {} : isLoopbackUrl(endpoint) ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : { endpoint };
    clients.set(key, (client = import('@aws-sdk/client-cloudwatch').then((sdk) => ({ sdk, client: new sdk.CloudWatchClient({ region, ...awsTimeouts(), ...chosen }) }))));
  }
  return client;
}

/** The same metric, statistic and period, wherever a rule names it: one query serves them all. */
function queryKey(source: CloudWatchSource): string {
  const dimensions = Object.entries(source.dimensions ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([source.namespace, source.metricName, dimensions, source.statistic, parseDuration(source.period)]);
}

/** "AWS/SQS ApproximateNumberOfMessagesVisible QueueName=jobs Average/60s", as reasons name a source. */
export function describeSource(source: CloudWatchSource): string {
  const dimensions = Object.entries(source.dimensions ?? {}).map(([name, value]) => ` ${name}=${value}`);
  return `${source.namespace} ${source.metricName}${dimensions.join('')} ${source.statistic}/${source.period}`;
}

const noDatapoints = (source: CloudWatchSource) => `cloudwatch: no datapoints for ${describeSource(source)}`;

interface Query {
  id: string;
  source: CloudWatchSource;
  /** The earliest time any read of it needs, on its period's boundary. */
  from: number;
}

/** Reads every source's datapoints over its window ending `now`; the readings come back in the order of `reads`. Never throws. */
export async function readCloudWatch(reads: readonly CloudWatchRead[], now: number, context: CloudWatchContext): Promise<CloudWatchReading[]> {
  const byRegion = new Map<string, Map<string, Query>>();
  const queryOf = reads.map(({ source, windowMs }) => {
    const region = source.region ?? context.region;
    let queries = byRegion.get(region);
    if (!queries) byRegion.set(region, (queries = new Map()));
    const key = queryKey(source);
    const periodMs = parseDuration(source.period);
    // From the start of the period the window's start falls in, so a window holds every period it overlaps.
    const from = Math.floor((now - windowMs) / periodMs) * periodMs;
    const known = queries.get(key);
    if (known) known.from = Math.min(known.from, from);
    else queries.set(key, { id: `m${queries.size}`, source, from });
    return { region, key, from };
  });
  const results = new Map<string, Map<string, CloudWatchReading>>();
  await Promise.all(
    [...byRegion].map(async ([region, queries]) => {
      const all = [...queries.values()];
      const read = new Map<string, CloudWatchReading>();
      for (let i = 0; i < all.length; i += QUERIES_PER_CALL) {
        const readings = await getMetricData(region, context.endpoint, all.slice(i, i + QUERIES_PER_CALL), now);
        for (const [id, reading] of readings) read.set(id, reading);
      }
      results.set(region, new Map([...queries].map(([key, q]) => [key, read.get(q.id) ?? { problem: `cloudwatch: GetMetricData (${region}) answered nothing for ${describeSource(q.source)}` }])));
    }),
  );
  // A query several reads share holds the longest window; each read gets its own.
  return queryOf.map(({ region, key, from }, i): CloudWatchReading => {
    const reading = results.get(region)?.get(key) as CloudWatchReading;
    if ('problem' in reading) return reading;
    const datapoints = reading.datapoints.filter((p) => p.start >= from);
    return datapoints.length > 0 ? { datapoints } : { problem: noDatapoints((reads[i] as CloudWatchRead).source) };
  });
}

/** One GetMetricData call, every page of it: each query's datapoints, or what went wrong. */
async function getMetricData(region: string, endpoint: string | undefined, queries: readonly Query[], now: number): Promise<Map<string, CloudWatchReading>> {
  const datapoints = new Map<string, Datapoint[]>(queries.map((q) => [q.id, []]));
  const problems = new Map<string, string>();
  const MetricDataQueries: MetricDataQuery[] = queries.map(({ id, source }) => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: source.namespace,
        MetricName: source.metricName,
        Dimensions: Object.entries(source.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: parseDuration(source.period) / 1000,
      Stat: source.statistic,
    },
    ReturnData: true,
  }));
  const StartTime = new Date(Math.min(...queries.map((q) => q.from)));
  try {
    const { sdk, client } = await clientFor(region, endpoint);
    let NextToken: string | undefined;
    do {
      const page = await client.send(new sdk.GetMetricDataCommand({ MetricDataQueries, StartTime, EndTime: new Date(now), ScanBy: 'TimestampAscending', NextToken }));
      for (const result of page.MetricDataResults ?? []) collect(result, datapoints, problems);
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (error) {
    const why = `cloudwatch: GetMetricData (${region}) ${failure(error)}`;
    return new Map(queries.map((q) => [q.id, { problem: why }]));
  }
  return new Map(
    queries.map((q): [string, CloudWatchReading] => {
      const problem = problems.get(q.id);
      if (problem) return [q.id, { problem: `cloudwatch: ${describeSource(q.source)}: ${problem}` }];
      const points = datapoints.get(q.id) ?? [];
      if (points.length === 0) return [q.id, { problem: noDatapoints(q.source) }];
      return [q.id, { datapoints: points }];
    }),
  );
}

function collect(result: MetricDataResult, datapoints: Map<string, Datapoint[]>, problems: Map<string, string>): void {
  const id = result.Id ?? '';
  const into = datapoints.get(id);
  if (!into) return;
  if (result.StatusCode === 'Forbidden' || result.StatusCode === 'InternalError') {
    const said = (result.Messages ?? []).map((m) => [m.Code, m.Value].filter(Boolean).join(': ')).join('; ');
    problems.set(id, `${result.StatusCode}${said ? ` (${said})` : ''}`);
    return;
  }
  const values = result.Values ?? [];
  (result.Timestamps ?? []).forEach((ts, i) => {
    const value = values[i];
    if (value !== undefined && Number.isFinite(value)) into.push({ start: ts.getTime(), value });
  });
}

/** "AccessDeniedException: User is not authorized…", or, unanswered, the network's error. */
function failure(error: unknown): string {
  const { name, message, $metadata } = (error ?? {}) as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const text = typeof message === 'string' && message ? message : String(error);
  if ($metadata?.httpStatusCode === undefined) return `did not answer: ${text}`;
  return `answered ${typeof name === 'string' && name ? `${name}: ` : ''}${text}`;
}
