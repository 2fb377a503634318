/**
 * The scaling engine's outcomes, as a table run for a service and for a host
 * pool alike: one lease → read → plan → act → record path for both. The
 * platform is a fake in this process, the clock is Tide's (`app.now`), and
 * the leases and events are DynamoDB Local's.
 */
import { describe, expect, it } from 'vitest';
import { createTide } from '../../lib/app';
import { loadConfig } from '../../lib/config';
import type { Decision } from '../../lib/policy';
import type { HostPoolProvider } from '../../lib/providers/hosts/provider';
import { ProviderError, type Provider } from '../../lib/providers/provider';
import type { Plan, ScaleOutcome } from '../../lib/scaling/engine';
import { scaleHostPool } from '../../lib/scaling/hostPool';
import { scaleService } from '../../lib/scaling/service';
import { parseServiceDocument } from '../../lib/services/schema';
import { freshNamespace } from '../support/client';

const clock = { at: Date.UTC(2026, 10, 22, 10, 0, 0) };
const app = createTide(loadConfig(), () => clock.at);

/** A platform running `count` replicas or hosts, which fails or is overtaken when told to. */
class FakePlatform {
  count = 1;
  moves: number[] = [];
  failRead = false;
  failWrite = false;
  /** Runs while the platform moves, as a slow platform would let time pass. */
  whileMoving?: () => Promise<void>;
  /** Host pools: how many of the hosts may be removed (the others protected from scale-in). */
  removable = Infinity;

  async read(): Promise<number> {
    if (this.failRead) throw new ProviderError('fake', 'read', 'connection refused');
    return this.count;
  }

  async move(to: number): Promise<void> {
    await this.whileMoving?.();
    if (this.failWrite) throw new ProviderError('fake', 'scale', 'answered 503');
    this.moves.push(to);
    this.count = to;
  }
}

interface Subject {
  /** Scales the thing once with this plan, waiting for no lease. */
  scale(plan: () => Plan, options?: { dryRun?: boolean }): Promise<ScaleOutcome>;
  /** The thing's events, newest first. */
  events(): Promise<Array<{ from: number | null; to: number | null; status: string; reason: string }>>;
  /** Another scaling takes the lease, for a minute from now. */
  takeLease(): Promise<void>;
}

type Kind = 'service' | 'host pool';

/** A fresh service or host pool on the fake platform. */
async function subjectOn(kind: Kind, platform: FakePlatform): Promise<Subject> {
  const ns = freshNamespace();
  const deadline = () => clock.at + 29_000;
  if (kind === 'service') {
    const document = parseServiceDocument({ mode: 'manual', min: 1, max: 10, target: { provider: 'http', url: 'https://ops.example/scale' } }, 'myweb', ns, app.config);
    const { stored } = await app.services.put({ namespace: ns, service: 'myweb', ...document }, clock.at);
    const provider: Provider = { readReplicas: () => platform.read(), setReplicas: (request) => platform.move(request.to) };
    return {
      scale: (plan, options) => scaleService(app, stored, { trigger: 'manual', plan }, { owner: 'engine-test', wait: false, dryRun: options?.dryRun ?? false, provider, deadline: deadline() }),
      events: () => app.events.list(ns, 'myweb', 10),
      takeLease: async () => void (await app.serviceStates.acquire(ns, 'myweb', 'another', clock.at, clock.at + 60_000)),
    };
  }
  const { stored } = await app.hostPools.put(
    { namespace: ns, pool: 'workers', labels: { pool: 'workers' }, min: 1, max: 10, target: { provider: 'ec2-asg', autoScalingGroupName: 'workers-asg', region: 'eu-west-1' } },
    clock.at,
  );
  const hosts = () => Array.from({ length: platform.count }, (_, i) => ({ id: `i-${i}`, removable: i < platform.removable }));
  const provider: HostPoolProvider = {
    readCapacity: async () => ({ desired: await platform.read(), instances: hosts() }),
    launchTimes: async (ids) => new Map(ids.map((id) => [id, clock.at])),
    setDesired: (to) => platform.move(to),
    remove: (ids) => platform.move(platform.count - ids.length),
  };
  return {
    scale: (plan) => scaleHostPool(app, stored, { trigger: 'webhook', receiver: 'r', deleteOption: 'mostRecent', plan }, { owner: 'engine-test', wait: false, provider, deadline: deadline() }),
    events: () => app.hostPoolStates.events(ns, 'workers', 10),
    takeLease: async () => void (await app.hostPoolStates.acquire(ns, 'workers', 'another', clock.at, clock.at + 60_000)),
  };
}

/** Every case starts from a thing Tide has scaled once, 1 → 2, so the count last known is 2. */
const FIRST = { from: 1, to: 2, status: 'applied', reason: 'first' };
const up: Plan = { to: 3, reason: 'release' };

interface Case {
  name: string;
  plan: Plan;
  platform?: Partial<Pick<FakePlatform, 'failRead' | 'failWrite'>>;
  /** held: another scaling holds the lease throughout; overtaken: another takes it over while the platform moves. */
  lease?: 'held' | 'overtaken';
  outcome: Record<string, unknown>;
  /** The newest event afterwards; FIRST when the scaling recorded none. */
  event: Record<string, unknown>;
  /** What the platform was asked to move to. */
  moves: number[];
}

const cases: Case[] = [
  {
    name: 'applied: the platform moves, and the event says so',
    plan: up,
    outcome: { status: 'applied', from: 2, to: 3, reason: 'release' },
    event: { status: 'applied', from: 2, to: 3, reason: 'release' },
    moves: [3],
  },
  {
    name: 'unchanged: a plan to stay calls nothing and records no event',
    plan: { to: 2, reason: 'steady' },
    outcome: { status: 'unchanged', from: 2, to: 2, reason: 'steady' },
    event: FIRST,
    moves: [],
  },
  {
    name: 'refused: the refusal comes back as a value, with when to retry, and is recorded as skipped',
    plan: { refused: 'cooldown', reason: 'in its 1m cooldown for 30s more', retryAfter: 30_000 },
    outcome: { status: 'refused', refused: 'cooldown', retryAfter: 30_000, from: 2, to: 2, reason: 'in its 1m cooldown for 30s more' },
    event: { status: 'skipped', from: 2, to: 2, reason: 'in its 1m cooldown for 30s more' },
    moves: [],
  },
  {
    name: 'failed read: the count last known, and what the platform said',
    plan: up,
    platform: { failRead: true },
    outcome: { status: 'failed', from: 2, to: 2, reason: expect.stringMatching(/^could not read the /), detail: 'fake read failed: connection refused' },
    event: { status: 'failed', from: 2, to: 2, detail: 'fake read failed: connection refused' },
    moves: [],
  },
  {
    name: 'failed write: the move asked for, and what the platform said',
    plan: up,
    platform: { failWrite: true },
    outcome: { status: 'failed', from: 2, to: 3, reason: 'release', detail: 'fake scale failed: answered 503' },
    event: { status: 'failed', from: 2, to: 3, reason: 'release', detail: 'fake scale failed: answered 503' },
    moves: [],
  },
  {
    name: 'busy: another scaling holds the lease, so nothing is read, called or recorded',
    plan: up,
    lease: 'held',
    outcome: { status: 'busy', from: null, to: null, reason: expect.stringMatching(/^another scaling of this (service|host pool) is in progress$/) },
    event: FIRST,
    moves: [],
  },
  {
    name: 'busy: overtaken while the platform moved, so the move is reported and not recorded',
    plan: up,
    lease: 'overtaken',
    outcome: { status: 'busy', from: 2, to: 3, detail: 'not recorded: applied 2 → 3' },
    event: FIRST,
    moves: [3],
  },
];

describe.each<Kind>(['service', 'host pool'])('the scaling engine, for a %s', (kind) => {
  it.each(cases)('$name', async ({ plan, platform: behaviour, lease, outcome, event, moves }) => {
    const platform = new FakePlatform();
    const subject = await subjectOn(kind, platform);
    expect(await subject.scale(() => ({ to: 2, reason: 'first' }))).toMatchObject({ status: 'applied', from: 1, to: 2 });
    platform.moves = [];
    clock.at += 1_000; // events of one moment come back in no particular order
    Object.assign(platform, behaviour);
    if (lease === 'held') await subject.takeLease();
    if (lease === 'overtaken') {
      platform.whileMoving = async () => {
        clock.at += 40_000; // past the lease: the deadline's 29 s and its 2 s margin
        await subject.takeLease();
      };
    }

    expect(await subject.scale(() => plan)).toMatchObject(outcome);
    expect(platform.moves).toEqual(moves);
    expect((await subject.events())[0]).toMatchObject(event);
  });

  it('gives the lease back when the plan throws, so the next scaling acts', async () => {
    const platform = new FakePlatform();
    const subject = await subjectOn(kind, platform);
    const broken = () => {
      throw new Error('a bug in the plan');
    };
    await expect(subject.scale(broken)).rejects.toThrow('a bug in the plan');
    expect(await subject.events()).toEqual([]);
    expect(await subject.scale(() => up)).toMatchObject({ status: 'applied', from: 1, to: 3 });
  });
});

describe('the scaling engine, for a service only', () => {
  it('dry run: decides and records a skipped event, and never calls the platform', async () => {
    const platform = new FakePlatform();
    const subject = await subjectOn('service', platform);
    expect(await subject.scale(() => up, { dryRun: true })).toEqual({ status: 'skipped', from: 1, to: 3, reason: 'release', detail: 'dry-run: would scale 1 → 3', event: expect.anything() });
    expect(platform.moves).toEqual([]);
    expect(await subject.events()).toEqual([expect.objectContaining({ status: 'skipped', from: 1, to: 3, detail: 'dry-run: would scale 1 → 3' })]);
  });
});

describe('the scaling engine, planning before the lease (the evaluator)', () => {
  /** A service Tide scaled once, 1 → 2, with a policy decision of `replicas` recorded; and a scaling of it that plans first on the state as read now. */
  async function decidedService(platform: FakePlatform) {
    const ns = freshNamespace();
    const document = parseServiceDocument({ mode: 'manual', min: 1, max: 10, target: { provider: 'http', url: 'https://ops.example/scale' } }, 'myweb', ns, app.config);
    const { stored } = await app.services.put({ namespace: ns, service: 'myweb', ...document }, clock.at);
    const provider: Provider = { readReplicas: () => platform.read(), setReplicas: (request) => platform.move(request.to) };
    const decision = (to: number): Decision => ({ ts: clock.at, replicas: to, proposed: to, direction: to > platform.count ? 'out' : to < platform.count ? 'in' : 'none', reason: `wants ${to}`, rules: [], metrics: {} });
    const scale = async (to: number) =>
      scaleService(app, stored, { trigger: 'policy', plan: () => ({ to, reason: `wants ${to}`, decision: decision(to), every: 60_000 }) }, {
        owner: 'engine-test',
        wait: false,
        dryRun: false,
        provider,
        deadline: clock.at + 29_000,
        before: await app.serviceStates.get(ns, 'myweb'),
      });
    return { ns, scale, state: () => app.serviceStates.get(ns, 'myweb') };
  }

  it('takes no lease and writes nothing when the plan keeps the count and the state already holds its decision', async () => {
    const platform = new FakePlatform();
    platform.count = 2;
    const svc = await decidedService(platform);
    expect(await svc.scale(2)).toMatchObject({ status: 'unchanged', from: 2, to: 2 });
    const recorded = await svc.state();
    clock.at += 60_000;
    // Another scaling holds the lease: a plan that changes nothing neither waits for it nor says busy.
    await app.serviceStates.acquire(svc.ns, 'myweb', 'another', clock.at, clock.at + 60_000);
    expect(await svc.scale(2)).toMatchObject({ status: 'unchanged', from: 2, to: 2 });
    expect(await svc.state()).toEqual(recorded);
    // One that moves the count needs the lease: busy, and nothing moved.
    expect(await svc.scale(3)).toMatchObject({ status: 'busy' });
    expect(platform.moves).toEqual([]);
  });

  it('takes the lease and records when the replicas seen differ from the state’s, though the plan keeps them', async () => {
    const platform = new FakePlatform();
    platform.count = 2;
    const svc = await decidedService(platform);
    await svc.scale(2);
    platform.count = 4;
    clock.at += 60_000;
    expect(await svc.scale(4)).toMatchObject({ status: 'unchanged', from: 4, to: 4 });
    expect(await svc.state()).toMatchObject({ replicas: 4, lastDecision: { replicas: 4, ts: clock.at } });
  });
});

describe('the scaling engine, for a host pool only', () => {
  it.each([
    { name: 'scale-in: removes as many instances as the step asks', removable: 3, outcome: { status: 'applied', from: 3, to: 1, instances: ['i-2', 'i-1'] }, moves: [1] },
    {
      name: 'scale-in past the removable instances: refused, nothing removed',
      removable: 1,
      outcome: { status: 'refused', refused: 'unremovable', from: 3, to: 3, reason: expect.stringContaining('only 1 of host pool workers') },
      moves: [],
    },
  ])('$name', async ({ removable, outcome, moves }) => {
    const platform = new FakePlatform();
    platform.count = 3;
    platform.removable = removable;
    const subject = await subjectOn('host pool', platform);
    expect(await subject.scale(() => ({ to: 1, reason: 'fewer' }))).toMatchObject(outcome);
    expect(platform.moves).toEqual(moves);
    expect((await subject.events())[0]).toMatchObject({ status: outcome.status === 'refused' ? 'skipped' : 'applied', from: 3 });
  });
});
