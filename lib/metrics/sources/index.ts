import type { Tide } from '../../app';
import { parseDuration } from '../../duration';
import { ruleWindows } from '../../policy/rules';
import type { Rule, RuleSource } from '../../policy/schema';
import type { Decision } from '../../policy/types';
import type { MetricBucket } from '../../statistics';
import type { StoredService } from '../../store/services';
import { guardedTransport } from '../../providers/transport';
import { resolvePlatformSecret } from '../../secrets';
import { bucketStartOf } from '../../statistics';
import { readCloudWatch } from './cloudWatch';
import { readPrometheusAll } from './prometheus';

// Rules' metrics read from elsewhere than Tide's agents (a rule's `source`). The evaluator reads
// every source of every service it evaluates before deciding, each source type in parallel, and
// hands the values to decide() as buckets of the rule's metric: the rules read them as they read
// the agents'. A read that fails or finds nothing leaves the metric without data (no scale-in, the
// missingMetrics fallback), and says why in the decision's reason; it costs only the rules that
// read that source.

/** One metric of one service to read: its source and the longest window a rule reads it over. */
export interface SourceRead<S extends RuleSource = RuleSource> {
  source: S;
  windowMs: number;
}

/** A value and the start of the bucket it counts in (epoch ms). */
export interface SourcePoint {
  start: number;
  value: number;
}

/** A source's values over the window, or why there are none. */
export type SourceReading = { points: SourcePoint[] } | { problem: string };

/** Reads many sources of one type at once; the readings come back in the order of `reads`. */
type Reader<S extends RuleSource> = (app: Tide, reads: ReadonlyArray<SourceRead<S>>, now: number) => Promise<SourceReading[]>;

/**
 * A CloudWatch datapoint covers its whole period: it counts in the period's last bucket, so every
 * window that overlaps the period holds it, and one a rule's window only begins in is not lost.
 */
const readers: { [T in RuleSource['type']]: Reader<Extract<RuleSource, { type: T }>> } = {
  cloudwatch: async (app, reads, now) => {
    const bucketMs = app.config.bucketSeconds * 1000;
    const readings = await readCloudWatch(reads, now, { region: app.config.region, endpoint: app.config.endpoints.cloudWatch });
    return readings.map((reading, i) => {
      if ('problem' in reading) return reading;
      const periodMs = parseDuration((reads[i] as SourceRead<Extract<RuleSource, { type: 'cloudwatch' }>>).source.period);
      return { points: reading.datapoints.map((d) => ({ start: d.start + periodMs - bucketMs, value: d.value })) };
    });
  },
  // An instant query's value is the value now: it counts in the bucket now falls in.
  prometheus: async (app, reads, now) => {
    const context = { transport: guardedTransport(app.config), resolveSecret: (reference: string) => resolvePlatformSecret(reference, app.config, now) };
    const readings = await readPrometheusAll(reads.map((r) => r.source), now, context);
    return readings.map((reading) => ('problem' in reading ? reading : { points: [{ start: bucketStartOf(now, app.config.bucketSeconds * 1000), value: reading.value }] }));
  },
};

/** What the sources gave one service: buckets of the metrics read, and why a metric has none. */
export interface ServiceReadings {
  buckets: MetricBucket[];
  /** Metric name → why its source gave no value this evaluation. */
  problems: Map<string, string>;
}

/** From now back past the start of the hour before: what the first tick of an hour rolls up. */
const ROLLUP_REACH_MS = 2 * 3_600_000;

export const serviceKey = (svc: Pick<StoredService, 'namespace' | 'service'>): string => `${svc.namespace}#${svc.service}`;

/**
 * The metrics a service's rules read from sources, its live policy's then its shadows': one read a
 * metric, over the longest window any rule reads it (a policy reads one metric from one source; a
 * shadow naming the live policy's metric reads the live policy's source).
 */
export function sourcedMetrics(rules: readonly Rule[]): Map<string, SourceRead> {
  const reads = new Map<string, SourceRead>();
  for (const rule of rules) {
    if (rule.source === undefined) continue;
    // A predicting load rule's hour of load is rolled up at the first tick after it: its values reach back to that hour's start.
    const windowMs = Math.max(...ruleWindows(rule).map(parseDuration), rule.type === 'load' && rule.prediction ? ROLLUP_REACH_MS : 0);
    const known = reads.get(rule.metric);
    if (known === undefined) reads.set(rule.metric, { source: rule.source, windowMs });
    else if (JSON.stringify(known.source) === JSON.stringify(rule.source)) known.windowMs = Math.max(known.windowMs, windowMs);
  }
  return reads;
}

/**
 * Reads every source the services' rules name (each service by serviceKey, with its live policy's
 * and its shadows' rules), each source type in parallel; services without any are left out. Never throws.
 */
export async function readSources(app: Tide, services: ReadonlyArray<{ key: string; rules: readonly Rule[] }>, now: number): Promise<Map<string, ServiceReadings>> {
  const wanted = services.flatMap(({ key, rules }) => [...sourcedMetrics(rules)].map(([metric, read]) => ({ key, metric, read })));
  const byType = new Map<RuleSource['type'], typeof wanted>();
  for (const w of wanted) byType.set(w.read.source.type, [...(byType.get(w.read.source.type) ?? []), w]);

  const result = new Map<string, ServiceReadings>();
  await Promise.all(
    [...byType].map(async ([type, reads]) => {
      let readings: SourceReading[];
      try {
        readings = await (readers[type] as Reader<RuleSource>)(app, reads.map((r) => r.read), now);
      } catch (error) {
        readings = reads.map(() => ({ problem: `${type}: ${(error as Error).message}` }));
      }
      reads.forEach(({ key, metric }, i) => {
        let service = result.get(key);
        if (!service) result.set(key, (service = { buckets: [], problems: new Map() }));
        const reading = readings[i] ?? { problem: `${type}: no reading` };
        if ('problem' in reading) service.problems.set(metric, reading.problem);
        else service.buckets.push(...reading.points.map(({ start, value }) => ({ metric, start, count: 1, sum: value, min: value, max: value })));
      });
    }),
  );
  return result;
}

/** The agents' buckets with every sourced metric's replaced by its source's: a rule with a source reads only that source. */
export function withSourceBuckets(agents: readonly MetricBucket[], readings: ServiceReadings | undefined, sourced: ReadonlySet<string>): MetricBucket[] {
  if (sourced.size === 0) return [...agents];
  return [...agents.filter((b) => !sourced.has(b.metric)), ...(readings?.buckets ?? [])];
}

/** The decision, its reason saying why each source the policy reads gave no value. */
export function withSourceProblems(decision: Decision, readings: ServiceReadings | undefined): Decision {
  const read = new Set(decision.rules.map((r) => r.metric));
  const problems = [...(readings?.problems ?? [])].filter(([metric]) => read.has(metric)).map(([metric, problem]) => `${metric}: ${problem}`);
  return problems.length === 0 ? decision : { ...decision, reason: [decision.reason, ...problems].join('; ') };
}
