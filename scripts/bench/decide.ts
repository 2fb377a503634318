/**
 * `npm run bench:decide`: the CPU one decision costs, with and without a load rule's prediction.
 *
 * Each decision is a load rule over cpu_ratio at 5 replicas, with 45 one-minute buckets of the
 * `bursts` synthetic trace (npm run traces) and, for a prediction, 14 days of that trace's past
 * load in memory; `now` walks over a whole day, bursts and quiet minutes alike, from day 10.
 *
 * Flags: --decisions 20000
 */
import { decide, observationsFromBuckets, policySchema, type DecisionInput, type PastLoads } from '../../lib/policy';
import { generateTrace } from '../traces';
import { benchFlags } from './flags';

const { decisions: DECISIONS } = benchFlags({ decisions: 20_000 });

const MINUTE = 60_000;
const DAY = 1440;
const REPLICAS = 5;
// Requests a minute to load as the rule reads it: 25 requests a minute fill one replica (100).
const loads = generateTrace('bursts', { days: 14, seed: 1 }).map((requests) => requests * 4);
const past: PastLoads = { at: (_key, t) => loads[t / MINUTE] };

// One input per minute of day 10, built before the clock starts.
const inputs = Array.from({ length: DAY }, (_, i) => {
  const minute = 10 * DAY + i;
  const buckets = Array.from({ length: 45 }, (_, k) => {
    const start = (minute - 45 + k) * MINUTE;
    const cpu = (loads[minute - 45 + k] as number) / REPLICAS;
    return { metric: 'cpu_ratio', start, count: REPLICAS, sum: cpu * REPLICAS, min: cpu, max: cpu };
  });
  return { now: minute * MINUTE, observations: observationsFromBuckets(buckets, minute * MINUTE, MINUTE) };
});

function measure(name: string, rule: Record<string, unknown>): void {
  const policy = policySchema.parse({ rules: [{ type: 'load', metric: 'cpu_ratio', target: 96, ...rule }] });
  const input = (i: number): DecisionInput => ({
    policy,
    min: 1,
    max: 100,
    currentReplicas: REPLICAS,
    history: { recommendations: [], scalings: [] },
    pastLoads: past,
    ...(inputs[i % DAY] as { now: number; observations: DecisionInput['observations'] }),
  });
  for (let i = 0; i < 2000; i++) decide(input(i)); // warm-up
  const start = process.cpuUsage();
  for (let i = 0; i < DECISIONS; i++) decide(input(i));
  const used = process.cpuUsage(start);
  console.log(`${name.padEnd(44)} ${((used.user + used.system) / DECISIONS).toFixed(1).padStart(6)} µs CPU a decision`);
}

console.log(`${DECISIONS} decisions each, Node ${process.version}`);
measure('load rule, no prediction', {});
measure('prediction (lookAhead 1m, days 7)', { prediction: {} });
measure('prediction, seasonal only', { prediction: { bursts: false } });
measure('prediction, bursts only', { prediction: { seasonal: false } });
measure('prediction (lookAhead 3m, days 14)', { prediction: { lookAhead: '3m', days: 14 } });
