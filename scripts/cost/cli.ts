/**
 * `npm run cost -- --containers 1000 --services 40 [--containers-per-node 10]
 * [--ingest http-api|function-url] [--capacity on-demand|provisioned] [--cloudwatch-metrics on|off]
 * [--service-shards 1] [--ingest-memory MB] [--json]`:
 * the monthly AWS bill of watching that fleet, by line item, from the request
 * counts `npm run bench:cost` measured (lib/cost/measured.json) and the prices
 * in lib/cost/prices.ts. See docs/COST.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monthlyBill, type Bill, type Fleet, type Measured } from '../../lib/cost/bill';
import { PRICES } from '../../lib/cost/prices';
import { declaredConfig } from '../local/serverlessConfig';

const root = join(import.meta.dirname, '..', '..');
export const MEASURED_FILE = join(root, 'lib', 'cost', 'measured.json');

/** A function's memory as serverless.yml deploys it. */
function memoryMb(name: string): number {
  const fn = declaredConfig(root).functions.find((f) => f.name === name);
  if (!fn) throw new Error(`serverless.yml has no function ${name}`);
  return fn.memoryMb;
}

/** The flags as a fleet, or the problems with them, each naming the flag and its rule. */
export function fleetFromFlags(args: string[], measured: Measured): { fleet: Fleet; json: boolean } | { problems: string[] } {
  const { values } = parseArgs({
    args,
    options: {
      containers: { type: 'string' },
      services: { type: 'string' },
      'containers-per-node': { type: 'string', default: '10' },
      ingest: { type: 'string', default: 'http-api' },
      capacity: { type: 'string', default: 'on-demand' },
      'service-shards': { type: 'string', default: '1' },
      'ingest-memory': { type: 'string', default: String(memoryMb('ingest')) },
      // serverless.yml's default for TIDE_CLOUDWATCH_METRICS.
      'cloudwatch-metrics': { type: 'string', default: 'off' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const problems: string[] = [];
  const count = (name: 'containers' | 'services' | 'containers-per-node' | 'service-shards' | 'ingest-memory'): number => {
    const raw = values[name];
    const value = Number(raw);
    if (raw === undefined || !Number.isInteger(value) || value < 1) problems.push(`--${name} must be a whole number of at least 1${raw === undefined ? ' (it is required)' : `, not ${raw}`}`);
    return value;
  };
  const fleet = {
    containers: count('containers'),
    services: count('services'),
    containersPerNode: count('containers-per-node'),
    serviceShards: count('service-shards'),
    ingest: values.ingest as Fleet['ingest'],
    capacity: values.capacity as Fleet['capacity'],
    cloudWatchMetrics: values['cloudwatch-metrics'] === 'on',
    postIntervalSeconds: measured.bench.postIntervalSeconds,
    // serverless.yml's defaults for TIDE_RETENTION_SECONDS and TIDE_SERVICES_PER_WORKER.
    retentionSeconds: 86_400,
    lambdaMemoryMb: { ingest: count('ingest-memory'), evaluator: memoryMb('evaluator') },
    servicesPerWorker: 200,
  };
  if (!['http-api', 'function-url'].includes(fleet.ingest)) problems.push(`--ingest must be http-api or function-url, not ${fleet.ingest}`);
  if (!['on-demand', 'provisioned'].includes(fleet.capacity)) problems.push(`--capacity must be on-demand or provisioned, not ${fleet.capacity}`);
  if (fleet.lambdaMemoryMb.ingest < 128 || fleet.lambdaMemoryMb.ingest > 10_240) problems.push(`--ingest-memory must be from 128 to 10240 (MB, as Lambda allows), not ${values['ingest-memory']}`);
  if (!['on', 'off'].includes(values['cloudwatch-metrics'])) problems.push(`--cloudwatch-metrics must be on or off, not ${values['cloudwatch-metrics']}`);
  return problems.length > 0 ? { problems } : { fleet, json: values.json };
}

const dollars = (n: number) => `$${n.toFixed(2)}`;

export function printBill(fleet: Fleet, bill: Bill, measured: Measured): string {
  const width = Math.max(...bill.lines.map((l) => l.item.length));
  const qWidth = Math.max(...bill.lines.map((l) => l.quantity.length));
  const p = bill.hottestPartition;
  return [
    `${fleet.containers} containers on ${bill.nodes} nodes, ${fleet.services} services; ingest through ${fleet.ingest === 'http-api' ? 'the HTTP API' : 'the function URL'} at ${fleet.lambdaMemoryMb.ingest} MB, ${fleet.capacity} table, CloudWatch metrics ${fleet.cloudWatchMetrics ? 'on' : 'off'}`,
    `a month (30 days) in ${PRICES.region}, list prices of ${PRICES.checked}, no free tier; request counts measured ${measured.measuredAt.slice(0, 10)} by npm run bench:cost`,
    '',
    ...bill.lines.map((l) => `  ${l.item.padEnd(width)}  ${l.quantity.padStart(qWidth)}  ${dollars(l.dollars).padStart(9)}`),
    `  ${'total'.padEnd(width)}  ${''.padStart(qWidth)}  ${dollars(bill.total).padStart(9)}`,
    `  ${'per 1,000 containers'.padEnd(width)}  ${''.padStart(qWidth)}  ${dollars(bill.perThousandContainers).padStart(9)}`,
    '',
    `busiest partition (one namespace's minutes${fleet.serviceShards > 1 ? `, one of ${fleet.serviceShards} shards` : ''}): ` +
      `${p.writeUnitsPerSecond.toFixed(1)} write units/s of ${p.writeLimit}, ${p.readUnitsPerSecond.toFixed(1)} read units/s of ${p.readLimit}, averaged over the minute`,
  ].join('\n');
}

function main(): void {
  const measured = JSON.parse(readFileSync(MEASURED_FILE, 'utf8')) as Measured;
  let parsed: ReturnType<typeof fleetFromFlags>;
  try {
    parsed = fleetFromFlags(process.argv.slice(2), measured);
  } catch (error) {
    // An unknown flag, or one missing its value.
    parsed = { problems: [(error as Error).message] };
  }
  if ('problems' in parsed) {
    console.error(`npm run cost: ${parsed.problems.join('; ')}`);
    process.exit(2);
  }
  const bill = monthlyBill(parsed.fleet, measured, PRICES);
  console.log(parsed.json ? JSON.stringify({ fleet: parsed.fleet, prices: PRICES, ...bill }, null, 2) : printBill(parsed.fleet, bill, measured));
}

if (process.argv[1] === import.meta.filename) main();
