import { randomToken } from '../credentials/random';
import { ProviderError } from '../providers/provider';
import type { Trigger } from '../store/events';
import { beforeCutoff, scalingTimes } from './deadline';
import { waitForLease } from './waitForLease';

// The one path every scaling takes, for a service or a host pool, whatever
// its trigger: take the lease, read the current count, plan, call the
// platform, then record the outcome as the lease is given back, fenced on it.
// The evaluator first plans on the state as read without the lease, and takes
// the lease only when that plan moves the count or leaves something to record:
// most of its ticks write nothing.
// Everything it comes to is a value: refusals included. Only the HTTP edges
// turn an outcome into a status code (see docs/RELIABILITY.md for the times).

/** A move the caller wants, from the current count. */
export interface Move {
  to: number;
  reason: string;
}

/** Why a scaling changes nothing: a step past a bound, a receiver's cooldown, instances that cannot be removed. */
export interface Refusal {
  refused: 'bound' | 'cooldown' | 'unremovable';
  reason: string;
  /** For a cooldown: milliseconds until a trigger may act again. */
  retryAfter?: number;
}

export type Plan<M extends Move = Move> = M | Refusal;

export function isRefusal(plan: object): plan is Refusal {
  return 'refused' in plan;
}

/** What a scaling came to. `from` and `to` are null when the count is unknown: the thing was busy, or never read. */
export type ScaleOutcome =
  | {
      from: number | null;
      to: number | null;
      /** skipped: a dry run; busy: another scaling held the thing, or took it over before this one could record (nothing recorded). */
      status: 'applied' | 'unchanged' | 'skipped' | 'failed' | 'busy';
      reason: string;
      detail?: string;
      /** The instances a host pool's scale-in removed, in the order chosen. */
      instances?: string[];
    }
  | (Refusal & { from: number; to: number; status: 'refused'; detail?: undefined; instances?: undefined });

/** A platform call that gives up in time for the outcome to be recorded (see scalingTimes). */
export type InTime = <T>(operation: 'read' | 'scale', call: () => Promise<T>) => Promise<T>;

/** What the engine needs of the thing it scales: `State` is what its lease returns, `Event` what it records. */
export interface Scalable<State, M extends Move, Event> {
  /** `service`, `host pool`: named in busy outcomes. */
  kind: string;
  name: string;
  /** The target's provider, named in a platform call that ran out of time. */
  provider: string;
  /** Takes the lease until `until`; throws LeaseHeldError while another scaling holds it. */
  acquire(lease: string, now: number, until: number): Promise<State>;
  /** The current count; throws ProviderError when the platform fails to answer, or says why it cannot be known. */
  read(state: State, inTime: InTime): Promise<number | { unreadable: string }>;
  /** The count last known, shown by a failed read; null when there is none. */
  known(state: State): number | null;
  /** The reason a failed read is recorded with. */
  unreadable: string;
  /** Moves the platform at `ts`, the scaling's time; throws ProviderError; what it finds it cannot do (instances protected from scale-in) is a refusal. */
  apply(from: number, move: M, how: { inTime: InTime; ts: number }): Promise<{ instances?: string[] } | Refusal>;
  /**
   * Gives the lease back, recording what the scaling came to (nothing when
   * it stopped on an unexpected error) and the event it wrote; recorded is
   * false, with nothing written, when the lease expired and another scaling
   * took it over.
   */
  release(lease: string, state: State, ran?: Ran<M>): Promise<{ recorded: boolean; event?: Event }>;
  /** Whether recording this scaling would leave the state as it is: then a plan made before the lease needs none (ScaleOptions.before). */
  recordsNothing?(state: State, ran: Ran<M>): boolean;
}

/** One scaling as its record needs it: the outcome, the plan it followed (none on a failed read), and when it was decided. */
export interface Ran<M extends Move> {
  outcome: ScaleOutcome;
  plan?: Plan<M>;
  ts: number;
}

/**
 * What every scaling event holds, whatever it scaled. Events know applied,
 * failed and skipped (SPEC.md): a refusal changed nothing, so it is skipped.
 */
export function eventFields({ outcome, ts }: Ran<Move>, by: { trigger: Trigger; receiver?: string | undefined }) {
  return {
    ts: new Date(ts).toISOString(),
    trigger: by.trigger,
    ...(by.receiver === undefined ? {} : { receiver: by.receiver }),
    status: outcome.status === 'refused' ? 'skipped' : (outcome.status as 'applied' | 'failed' | 'skipped'),
    reason: outcome.reason,
    ...(outcome.detail === undefined ? {} : { detail: outcome.detail }),
  };
}

/** How a scaling runs; `State` is its subject's, for `before` (none unless given). */
export interface ScaleOptions<State = never> {
  /** Who takes the lease: one id per invocation; each scaling adds a token of its own. */
  owner: string;
  /** Wait for a busy lease (manual scale, webhooks) or answer busy at once (the evaluator). */
  wait: boolean;
  /** Decide and record, never call the platform. */
  dryRun: boolean;
  /** When the invocation must have answered, on Tide's clock: the wait, the lease and every platform call fit inside it. */
  deadline: number;
  now: () => number;
  /**
   * The state as read without the lease: the count is read and the plan made on it first, and
   * when the plan keeps the count and the subject would record nothing, that is the outcome, and
   * no lease is taken. Otherwise the scaling takes the lease and reads and plans again on the
   * state it returns.
   */
  before?: State;
}

/** Lease → read → plan → act → record; with `before`, a plan without the lease first, which may be all. */
export async function runScaling<State, M extends Move, Event>(
  subject: Scalable<State, M, Event>,
  plan: (current: number, state: State) => Plan<M>,
  options: ScaleOptions<State>,
): Promise<ScaleOutcome & { event?: Event }> {
  const { now } = options;
  const times = scalingTimes(options.deadline, now());
  if (options.before !== undefined) {
    const unchanged = await unchangedWithoutLease(subject, plan, options.before, { inTime: inTimeFor(subject, times.platformUntil, now), ts: now() });
    if (unchanged) return unchanged;
  }
  // A token per scaling, not per invocation: two ticks of one evaluator invocation must fence each other too.
  const lease = `${options.owner}:${randomToken(8)}`;
  const state = await waitForLease(() => subject.acquire(lease, now(), times.leaseUntil), { wait: options.wait, now, until: times.waitUntil });
  if (state === undefined) return busy(subject, options.wait);
  let ran: Ran<M>;
  try {
    ran = await act(subject, plan, state, { inTime: inTimeFor(subject, times.platformUntil, now), ts: now(), dryRun: options.dryRun });
  } catch (error) {
    await subject.release(lease, state);
    throw error;
  }
  const { recorded, event } = await subject.release(lease, state, ran);
  if (recorded) return event === undefined ? ran.outcome : { ...ran.outcome, event };
  // A refusal changed nothing, so it stands even when another scaling took over before it was recorded.
  return ran.outcome.status === 'refused' ? ran.outcome : overtaken(subject, ran.outcome);
}

/**
 * What a scaling would do now, for an on-demand dry run: the same read and
 * plan, from the state as it stands, and nothing written. It takes no lease:
 * a what-if must not make a scheduled evaluation skip the thing or a webhook
 * wait, and taking the lease would itself be a write.
 */
export async function previewScaling<State, M extends Move, Event>(
  subject: Scalable<State, M, Event>,
  state: State,
  plan: (current: number, state: State) => Plan<M>,
  options: Pick<ScaleOptions, 'deadline' | 'now'>,
): Promise<ScaleOutcome> {
  const { now } = options;
  const from = await readCount(subject, state, inTimeFor(subject, scalingTimes(options.deadline, now()).platformUntil, now));
  if (typeof from !== 'number') return from;
  return withoutPlatform(from, plan(from, state));
}

/** The outcome of a plan that keeps the count and leaves nothing to record, made on a state read without the lease; undefined otherwise. */
async function unchangedWithoutLease<State, M extends Move, Event>(
  subject: Scalable<State, M, Event>,
  plan: (current: number, state: State) => Plan<M>,
  state: State,
  how: { inTime: InTime; ts: number },
): Promise<ScaleOutcome | undefined> {
  if (subject.recordsNothing === undefined) return undefined;
  const from = await readCount(subject, state, how.inTime);
  // A failed read is recorded, under the lease.
  if (typeof from !== 'number') return undefined;
  const planned = plan(from, state);
  if (isRefusal(planned) || planned.to !== from) return undefined;
  const ran: Ran<M> = { outcome: withoutPlatform(from, planned), plan: planned, ts: how.ts };
  return subject.recordsNothing(state, ran) ? ran.outcome : undefined;
}

async function act<State, M extends Move, Event>(
  subject: Scalable<State, M, Event>,
  plan: (current: number, state: State) => Plan<M>,
  state: State,
  how: { inTime: InTime; ts: number; dryRun: boolean },
): Promise<Ran<M>> {
  const { ts } = how;
  const from = await readCount(subject, state, how.inTime);
  if (typeof from !== 'number') return { outcome: from, ts };
  const planned = plan(from, state);
  if (isRefusal(planned) || planned.to === from || how.dryRun) return { outcome: withoutPlatform(from, planned), plan: planned, ts };
  try {
    const applied = await subject.apply(from, planned, how);
    if (isRefusal(applied)) return { outcome: refusedAt(from, applied), plan: planned, ts };
    return { outcome: { from, to: planned.to, status: 'applied', reason: planned.reason, ...applied }, plan: planned, ts };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return { outcome: { from, to: planned.to, status: 'failed', reason: planned.reason, detail: error.message }, plan: planned, ts };
  }
}

/** The subject's platform calls, each given up at `until`, leaving time to record the outcome (see scalingTimes). */
function inTimeFor(subject: { provider: string }, until: number, now: () => number): InTime {
  return (operation, call) => beforeCutoff(call, { until, now, provider: subject.provider, operation });
}

/**
 * The current count, or a failed outcome showing the count last known: a
 * platform that fails to answer is a value, so that it is recorded.
 */
async function readCount<State>(subject: Pick<Scalable<State, Move, unknown>, 'read' | 'known' | 'unreadable'>, state: State, inTime: InTime): Promise<number | ScaleOutcome> {
  let read: number | { unreadable: string };
  try {
    read = await subject.read(state, inTime);
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    read = { unreadable: error.message };
  }
  if (typeof read === 'number') return read;
  const known = subject.known(state);
  return { from: known, to: known, status: 'failed', reason: subject.unreadable, detail: read.unreadable };
}

/** What a plan comes to when the platform is not called: a refusal, no change, or a dry run's move. */
function withoutPlatform(from: number, plan: Plan): ScaleOutcome {
  if (isRefusal(plan)) return refusedAt(from, plan);
  if (plan.to === from) return { from, to: from, status: 'unchanged', reason: plan.reason };
  return { from, to: plan.to, status: 'skipped', reason: plan.reason, detail: `dry-run: would scale ${from} → ${plan.to}` };
}

function refusedAt(from: number, refusal: Refusal): ScaleOutcome {
  return { ...refusal, from, to: from, status: 'refused' };
}

function busy(subject: { kind: string; name: string }, waited: boolean): ScaleOutcome {
  const reason = waited ? `${subject.kind} ${subject.name} is being scaled by another request; try again` : `another scaling of this ${subject.kind} is in progress`;
  return { from: null, to: null, status: 'busy', reason };
}

/** The lease expired while this scaling ran, and another scaling took the thing over: this one wrote nothing. */
function overtaken(subject: { kind: string }, outcome: ScaleOutcome): ScaleOutcome {
  const own = `${outcome.status} ${outcome.from ?? '?'} → ${outcome.to ?? '?'}${outcome.detail ? ` (${outcome.detail})` : ''}`;
  return {
    from: outcome.from,
    to: outcome.to,
    status: 'busy',
    reason: `another scaling took this ${subject.kind} over before this one could record its outcome`,
    detail: `not recorded: ${own}`,
  };
}
