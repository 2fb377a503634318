import { readFileSync } from 'node:fs';
import type { Api } from './client';

/** What a command may use: the API, and where to write. */
export interface CommandContext {
  api: Api;
  namespace: string;
  json: boolean;
  out: (line: string) => void;
}

interface Service {
  service: string;
  mode: string;
  min: number;
  max: number;
  target: { provider: string };
  status?: {
    replicas: number | null;
    desired: number | null;
    lastDecision: { ts: string; reason: string } | null;
    shadows?: Record<string, ShadowStatus>;
  };
}

interface ScalingEvent {
  ts: string;
  /** Absent on a failed read of a service whose replicas Tide never knew. */
  from: number | null;
  to: number | null;
  trigger: string;
  status: string;
  reason: string;
  detail?: string;
  receiver?: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Columns padded to their widest cell, the way kubectl prints. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

const q = (ctx: CommandContext, extra = '') => `?namespace=${encodeURIComponent(ctx.namespace)}${extra}`;
const show = (ctx: CommandContext, value: unknown) => ctx.out(JSON.stringify(value, null, 2));
const need = (value: string | undefined, what: string): string => {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
};

export async function status(ctx: CommandContext, service?: string): Promise<void> {
  if (service) {
    const svc = (await ctx.api.request('GET', `/v1/services/${encodeURIComponent(service)}${q(ctx)}`)) as Service;
    if (ctx.json) return show(ctx, svc);
    const s = svc.status;
    ctx.out(`${svc.service}  ${svc.mode}  ${svc.target.provider}  replicas ${s?.replicas ?? '?'} (desired ${s?.desired ?? '?'}, min ${svc.min}, max ${svc.max})`);
    if (s?.lastDecision) ctx.out(`last decision ${s.lastDecision.ts}: ${s.lastDecision.reason}`);
    if (s?.shadows && Object.keys(s.shadows).length > 0) for (const line of shadowLines(svc.service, s.replicas, s.shadows)) ctx.out(line);
    return;
  }
  const { items } = (await ctx.api.request('GET', `/v1/services${q(ctx)}`)) as { items: Service[] };
  if (ctx.json) return show(ctx, items);
  const rows = items.map((s) => [s.service, s.mode, s.target.provider, String(s.status?.replicas ?? '-'), `${s.min}-${s.max}`, s.status?.lastDecision?.reason ?? '']);
  for (const line of table([['SERVICE', 'MODE', 'TARGET', 'REPLICAS', 'MIN-MAX', 'LAST DECISION'], ...rows])) ctx.out(line);
}

export async function apply(ctx: CommandContext, file: string | undefined, name: string | undefined): Promise<void> {
  const document = JSON.parse(readFileSync(need(file, '-f FILE'), 'utf8')) as Record<string, unknown>;
  const service = need(name ?? (document.service as string | undefined), 'the service name (a "service" field in the file, or --service)');
  const stored = (await ctx.api.request('PUT', `/v1/services/${encodeURIComponent(service)}${q(ctx)}`, document)) as Service;
  if (ctx.json) return show(ctx, stored);
  ctx.out(`service ${stored.service} applied (${stored.mode}, ${stored.min}-${stored.max} replicas, ${stored.target.provider})`);
}

export async function remove(ctx: CommandContext, service: string | undefined): Promise<void> {
  await ctx.api.request('DELETE', `/v1/services/${encodeURIComponent(need(service, 'SERVICE'))}${q(ctx)}`);
  ctx.out(`service ${service} deleted`);
}

export async function events(ctx: CommandContext, service: string | undefined, limit: string): Promise<void> {
  const path = `/v1/services/${encodeURIComponent(need(service, 'SERVICE'))}/events${q(ctx, `&limit=${encodeURIComponent(limit)}`)}`;
  const { items } = (await ctx.api.request('GET', path)) as { items: ScalingEvent[] };
  if (ctx.json) return show(ctx, items);
  const rows = items.map((e) => [e.ts, e.trigger + (e.receiver ? `:${e.receiver}` : ''), e.from === null ? '-' : `${e.from} → ${e.to}`, e.status, e.reason + (e.detail ? ` (${e.detail})` : '')]);
  for (const line of table([['TIME', 'TRIGGER', 'CHANGE', 'STATUS', 'REASON'], ...rows])) ctx.out(line);
}

export async function metrics(ctx: CommandContext, service: string | undefined, metric: string, stat: string, since: string): Promise<void> {
  const seconds = /^(\d+)([smh])$/.exec(since);
  if (!seconds) throw new UsageError('--since must look like 30m, 2h or 90s');
  const from = Math.floor(Date.now() / 1000) - Number(seconds[1]) * { s: 1, m: 60, h: 3600 }[seconds[2] as 's' | 'm' | 'h'];
  const path = `/v1/services/${encodeURIComponent(need(service, 'SERVICE'))}/metrics${q(ctx, `&metric=${encodeURIComponent(metric)}&stat=${encodeURIComponent(stat)}&from=${from}`)}`;
  const { points } = (await ctx.api.request('GET', path)) as { points: Array<{ ts: string; value: number; count: number }> };
  if (ctx.json) return show(ctx, points);
  for (const line of table([['BUCKET', `${metric} ${stat}`.toUpperCase(), 'SAMPLES'], ...points.map((p) => [p.ts, String(Math.round(p.value * 10) / 10), String(p.count)])])) ctx.out(line);
}

export async function scale(ctx: CommandContext, service: string | undefined, replicas: string | undefined, reason: string | undefined): Promise<void> {
  const count = Number(need(replicas, 'REPLICAS'));
  if (!Number.isInteger(count) || count < 0) throw new UsageError('REPLICAS must be a whole number >= 0');
  const answer = (await ctx.api.request('POST', `/v1/services/${encodeURIComponent(need(service, 'SERVICE'))}/scale${q(ctx)}`, {
    replicas: count,
    ...(reason ? { reason } : {}),
  })) as { from: number; to: number; status: string };
  if (ctx.json) return show(ctx, answer);
  ctx.out(`${service}: ${answer.from} → ${answer.to} ${answer.status}`);
}

export async function evaluate(ctx: CommandContext, services: string[], dryRun: boolean): Promise<void> {
  const body = { dryRun, namespace: ctx.namespace, ...(services.length > 0 ? { services } : {}) };
  const { decisions } = (await ctx.api.request('POST', '/v1/evaluate', body)) as {
    decisions: Array<{ service: string; status: string; from?: number | null; to?: number | null; reason: string; detail?: string }>;
  };
  if (ctx.json) return show(ctx, decisions);
  const rows = decisions.map((d) => [d.service, d.status, typeof d.from === 'number' ? `${d.from} → ${d.to}` : '-', d.reason + (d.detail ? ` (${d.detail})` : '')]);
  for (const line of table([['SERVICE', 'STATUS', 'CHANGE', 'REASON'], ...rows])) ctx.out(line);
}

export async function keys(ctx: CommandContext, action: string | undefined, arg: string | undefined): Promise<void> {
  if (action === 'create') {
    const created = (await ctx.api.request('POST', '/v1/keys', { namespace: ctx.namespace, name: need(arg, 'NAME') })) as { id: string; key: string };
    if (ctx.json) return show(ctx, created);
    ctx.out(`agent key ${created.id} for namespace ${ctx.namespace} (shown once):\n${created.key}`);
    return;
  }
  if (action === 'revoke') {
    await ctx.api.request('DELETE', `/v1/keys/${encodeURIComponent(need(arg, 'KEY_ID'))}`);
    ctx.out(`agent key ${arg} revoked`);
    return;
  }
  if (action !== 'list') throw new UsageError('keys takes create NAME, list or revoke ID');
  const { items } = (await ctx.api.request('GET', '/v1/keys')) as { items: Array<{ id: string; namespace: string; name: string; createdAt: string }> };
  if (ctx.json) return show(ctx, items);
  for (const line of table([['ID', 'NAMESPACE', 'NAME', 'CREATED'], ...items.map((k) => [k.id, k.namespace, k.name, k.createdAt])])) ctx.out(line);
}

/** One policy's figures over a shadow's minutes, as the API shows them. */
interface Score {
  replicaMinutes: number;
  overloadedMinutes: number;
  scalingActions: number;
}

/** A shadow in a service's status: the live policy and the shadow over the same minutes. */
interface ShadowStatus {
  since: string | null;
  minutes: number;
  replicas: number | null;
  lastDecision: { ts: string; replicas: number; reason: string } | null;
  live: Score;
  shadow: Score;
}

/** What a change from live to shadow is, in percent, when there is something to compare to. */
function change(live: number, shadow: number): string {
  if (live === 0 || live === shadow) return '';
  const percent = Math.round((100 * (shadow - live)) / live);
  return ` (${percent > 0 ? '+' : ''}${percent}%)`;
}

const pair = (live: number, shadow: number, withChange = false) => `${live} → ${shadow}${withChange ? change(live, shadow) : ''}`;

/** The comparison `tide status SERVICE` prints under the service: a row per shadow, each cell live → shadow. */
function shadowLines(service: string, liveReplicas: number | null, shadows: Readonly<Record<string, ShadowStatus>>): string[] {
  const rows = Object.entries(shadows).map(([name, s]) => [
    name,
    s.since ?? 'not evaluated yet',
    String(s.minutes),
    `${liveReplicas ?? '?'} → ${s.replicas ?? '?'}`,
    pair(s.live.replicaMinutes, s.shadow.replicaMinutes, true),
    pair(s.live.overloadedMinutes, s.shadow.overloadedMinutes),
    pair(s.live.scalingActions, s.shadow.scalingActions),
    s.lastDecision?.reason ?? '',
  ]);
  return [
    'shadow policies, each beside the live policy over the same minutes (live → shadow):',
    ...table([['SHADOW', 'SINCE', 'MINUTES', 'REPLICAS', 'REPLICA-MINUTES', 'OVERLOADED MINUTES', 'SCALING ACTIONS', 'LAST DECISION'], ...rows]),
    `promote one: tide promote ${service} SHADOW`,
  ];
}

/**
 * `tide promote SERVICE SHADOW`: the service's document as stored, with the shadow's policy as
 * its policy and the shadow gone from its shadows: one GET and one PUT.
 */
export async function promote(ctx: CommandContext, serviceArg: string | undefined, shadowArg: string | undefined): Promise<void> {
  const [service, shadow] = [need(serviceArg, 'SERVICE'), need(shadowArg, 'SHADOW')];
  const path = `/v1/services/${encodeURIComponent(service)}?namespace=${encodeURIComponent(ctx.namespace)}`;
  const shown = (await ctx.api.request('GET', path)) as Record<string, unknown>;
  const shadows = (shown.shadows ?? {}) as Record<string, unknown>;
  const policy = shadows[shadow];
  if (policy === undefined) {
    const names = Object.keys(shadows);
    throw new Error(`service ${service} has no shadow ${shadow} (${names.length > 0 ? `it has ${names.join(', ')}` : 'it has none'})`);
  }
  // The API shows a target with its secrets redacted: sent back, the redaction would replace them.
  if (JSON.stringify(shown.target).includes('REDACTED')) {
    throw new Error(`service ${service}'s target shows a redacted secret; PUT the service with shadows.${shadow} as its policy yourself`);
  }
  // What the API adds to the document it stores is not sent back.
  const document = Object.fromEntries(Object.entries(shown).filter(([field]) => !['status', 'createdAt', 'updatedAt', 'shadows'].includes(field)));
  const others = Object.fromEntries(Object.entries(shadows).filter(([name]) => name !== shadow));
  const body = { ...document, policy, ...(Object.keys(others).length > 0 ? { shadows: others } : {}) };
  const stored = await ctx.api.request('PUT', path, body);
  if (ctx.json) return show(ctx, stored);
  ctx.out(`service ${service} now runs the policy of shadow ${shadow}`);
}
