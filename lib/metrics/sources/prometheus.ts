import { formatDuration, parseDuration } from '../../duration';
import type { PrometheusSource } from '../../policy';
import { apiPath } from '../../providers/jsonApi';
import { answered, excerpt, safeJson, scrub, shownUrl } from '../../providers/messages';
import type { Transport } from '../../providers/transport';

// A rule's metric read from Prometheus: one PromQL instant query per rule per evaluation, at the
// evaluation's own time, through Prometheus's HTTP API (POST /api/v1/query, form-encoded, so a
// long query never meets a URL length limit). The answer must be one number: an instant vector of
// exactly one sample, or a scalar. Everything else is a problem the decision's reason states.

/** The one number a query gave, or why there is none. */
export type PrometheusReading = { value: number } | { problem: string };

/** What a read needs from outside: the guarded transport, and the stage's platform secrets. */
export interface PrometheusContext {
  transport: Transport;
  resolveSecret(reference: string): Promise<string>;
}

/** Queries of different services in flight at once: enough to hide latency, few enough to spare one Prometheus. */
export const PROMETHEUS_CONCURRENCY = 4;

/** The query's value at `now` (epoch ms). Never throws: a failure is a reading with a problem. */
export async function readPrometheus(source: PrometheusSource, now: number, context: PrometheusContext): Promise<PrometheusReading> {
  const url = apiPath(source.url, '/api/v1/query');
  const where = `POST ${shownUrl(url)}`;
  let authorization: string | undefined;
  try {
    authorization = await authorizationOf(source.credential, context.resolveSecret);
  } catch (error) {
    return { problem: `prometheus: ${(error as Error).message}` };
  }
  // The header as sent and the secret in it: a server or proxy may echo either back.
  const secrets = authorization === undefined ? [] : [authorization, authorization.replace(/^\S+\s+/, ''), ...secretsOf(authorization)];
  try {
    const answer = await context.transport({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization === undefined ? {} : { authorization }) },
      body: queryForm(source, now),
      timeout: source.timeout,
    });
    const reading = instantValue(answer.status, answer.text);
    if ('value' in reading) return reading;
    if (reading.problem !== undefined) return { problem: scrub(reading.problem, secrets) };
    // Not Prometheus's JSON: a proxy's login page, a 404 from a wrong path prefix.
    const body = excerpt(answer.text, secrets);
    if (!answer.ok) return { problem: `prometheus: ${where} ${answered(answer, body)}` };
    return { problem: `prometheus: ${where} answered ${answer.status} with a body that is not Prometheus's JSON${body && ` (${body})`}` };
  } catch (error) {
    return { problem: scrub(`prometheus: ${where} ${(error as Error).message}`, secrets) };
  }
}

/**
 * Reads many sources at once, at most PROMETHEUS_CONCURRENCY in flight, one request each;
 * the readings come back in the order of `sources`.
 */
export async function readPrometheusAll(sources: readonly PrometheusSource[], now: number, context: PrometheusContext): Promise<PrometheusReading[]> {
  const readings: PrometheusReading[] = new Array(sources.length);
  let next = 0;
  const worker = async () => {
    while (next < sources.length) {
      const i = next++;
      readings[i] = await readPrometheus(sources[i] as PrometheusSource, now, context);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROMETHEUS_CONCURRENCY, sources.length) }, worker));
  return readings;
}

/**
 * The form Prometheus takes: the query, the evaluation's time in Unix seconds, and the timeout,
 * so the server gives up on the query when Tide stops waiting for it.
 */
export function queryForm(source: Pick<PrometheusSource, 'query' | 'timeout'>, now: number): string {
  return new URLSearchParams({ query: source.query, time: (now / 1000).toFixed(3), timeout: formatDuration(parseDuration(source.timeout)) }).toString();
}

async function authorizationOf(credential: PrometheusSource['credential'], resolve: (reference: string) => Promise<string>): Promise<string | undefined> {
  if (credential === undefined) return undefined;
  if ('bearer' in credential) return `Bearer ${await secret(resolve, credential.bearer, 'the bearer token')}`;
  const { username, password } = credential.basic;
  const basic = Buffer.from(`${username}:${await secret(resolve, password, 'the password')}`, 'utf8').toString('base64');
  return `Basic ${basic}`;
}

async function secret(resolve: (reference: string) => Promise<string>, reference: string, what: string): Promise<string> {
  try {
    return await resolve(reference);
  } catch (error) {
    // The reference names the secret, never holds it: the message may show it.
    throw new Error(`cannot read ${what} from ${reference}: ${(error as Error).message}`, { cause: error });
  }
}

/** A Basic header's password, alone: a server may echo it without the user name. */
function secretsOf(authorization: string): string[] {
  if (!authorization.startsWith('Basic ')) return [];
  const pair = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
  return [pair, pair.slice(pair.indexOf(':') + 1)];
}

/**
 * The number in an answer of /api/v1/query, as Prometheus documents its JSON: a `vector` of
 * exactly one sample or a `scalar`, each `[unixTime, "value"]`. Anything else has a problem;
 * `problem: undefined` when the answer is not Prometheus's JSON at all (the caller quotes it).
 */
export function instantValue(status: number, text: string): { value: number } | { problem: string | undefined } {
  const body = safeJson(text) as PrometheusAnswer | undefined;
  if (typeof body !== 'object' || body === null || (body.status !== 'success' && body.status !== 'error')) return { problem: undefined };
  if (body.status === 'error') {
    return { problem: `prometheus: the query failed (${status} ${body.errorType ?? 'error'}): ${body.error ?? 'no message'}` };
  }
  const data = body.data ?? {};
  if (data.resultType === 'scalar') return sampleValue(data.result, 'a scalar');
  if (data.resultType === 'vector' && Array.isArray(data.result)) {
    const series = data.result as Array<{ value?: unknown; histogram?: unknown; metric?: unknown }>;
    if (series.length === 0) return { problem: 'prometheus: the query returned no series, need exactly one' };
    if (series.length > 1) return { problem: `prometheus: the query returned ${series.length} series, need exactly one: aggregate them, e.g. sum(...)` };
    const [sample] = series;
    if (sample?.histogram !== undefined) return { problem: 'prometheus: the query returned a native histogram, need a number: e.g. histogram_quantile(...) or histogram_count(...)' };
    return sampleValue(sample?.value, 'its sample');
  }
  if (data.resultType === 'matrix') return { problem: 'prometheus: the query returned a range vector (matrix), need an instant vector or a scalar: drop the [range] selector or wrap it in a function such as rate(...)' };
  if (data.resultType === 'string') return { problem: 'prometheus: the query returned a string, need a number' };
  return { problem: `prometheus: the answer has resultType ${JSON.stringify(data.resultType)}, need "vector" or "scalar"` };
}

/** `[unixTime, "1.5"]`: Prometheus sends values as strings, so NaN and ±Inf survive JSON. */
function sampleValue(pair: unknown, what: string): { value: number } | { problem: string } {
  const text = Array.isArray(pair) ? pair[1] : undefined;
  if (typeof text !== 'string' || text.trim() === '') return { problem: `prometheus: ${what} is not a [time, "value"] pair` };
  const value = Number(text);
  if (Number.isFinite(value)) return { value };
  return { problem: `prometheus: the query returned ${text}, need a finite number` };
}

interface PrometheusAnswer {
  status?: unknown;
  data?: { resultType?: unknown; result?: unknown };
  errorType?: string;
  error?: string;
}
