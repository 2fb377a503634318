// CloudWatch's GetMetricData on your machine, to try rules with a CloudWatch source without AWS:
// Tide's SDK client talks to it as to CloudWatch (AWS JSON 1.0) when npm start runs with
// TIDE_CLOUDWATCH_ENDPOINT pointing here. Each metric has the value you last set, in every period
// Tide asks for; a metric never set has no datapoints, as in CloudWatch.
//
//   node examples/fake-cloudwatch.mjs        # PORT (8089)
//   # an SQS queue "jobs" with 3 visible messages:
//   curl -X PUT 'http://127.0.0.1:8089/metrics/AWS/SQS/ApproximateNumberOfMessagesVisible?QueueName=jobs' -d 3
//
// The path is the namespace and the metric name, the query string the dimensions.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8089);
const values = new Map();

const keyOf = (namespace, metricName, dimensions) => JSON.stringify([namespace, metricName, Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : 1))]);
const shown = (namespace, metricName, dimensions) => [namespace, metricName, ...Object.entries(dimensions).map(([name, value]) => `${name}=${value}`)].join(' ');

/** GetMetricData's answer: a datapoint with the metric's value at the start of every period from StartTime to EndTime. */
function getMetricData({ MetricDataQueries = [], StartTime, EndTime }) {
  const results = MetricDataQueries.map(({ Id, MetricStat }) => {
    const { Namespace, MetricName, Dimensions = [] } = MetricStat.Metric;
    const dimensions = Object.fromEntries(Dimensions.map((d) => [d.Name, d.Value]));
    const value = values.get(keyOf(Namespace, MetricName, dimensions));
    const timestamps = [];
    if (value !== undefined) for (let ts = Math.ceil(StartTime / MetricStat.Period) * MetricStat.Period; ts < EndTime; ts += MetricStat.Period) timestamps.push(ts);
    console.log(`GetMetricData ${shown(Namespace, MetricName, dimensions)} ${MetricStat.Stat}/${MetricStat.Period}s → ${value ?? 'no datapoints'}`);
    return { Id, Label: MetricName, Timestamps: timestamps, Values: timestamps.map(() => value), StatusCode: 'Complete' };
  });
  return { MetricDataResults: results, Messages: [] };
}

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'PUT' && url.pathname.startsWith('/metrics/')) {
      const path = url.pathname.slice('/metrics/'.length).split('/').map(decodeURIComponent);
      const value = Number(body);
      if (path.length < 2 || body.trim() === '' || !Number.isFinite(value)) return res.writeHead(400).end('PUT /metrics/<namespace>/<metric name>?<dimension>=<value> with a number as the body\n');
      const metricName = path.pop();
      const namespace = path.join('/');
      const dimensions = Object.fromEntries(url.searchParams);
      values.set(keyOf(namespace, metricName, dimensions), value);
      console.log(`set ${shown(namespace, metricName, dimensions)} = ${value}`);
      return res.writeHead(204).end();
    }
    const answer = (status, json) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(json));
    if (req.method === 'POST' && req.headers['x-amz-target'] === 'GraniteServiceVersion20100801.GetMetricData') return answer(200, getMetricData(JSON.parse(body || '{}')));
    return answer(400, { __type: 'UnknownOperationException', message: `this fake answers GetMetricData only, not ${req.headers['x-amz-target'] ?? `${req.method} ${url.pathname}`}` });
  });
});
server.listen(port, '127.0.0.1', () => console.log(`fake CloudWatch listening on http://127.0.0.1:${server.address().port}`));
