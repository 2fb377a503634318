import type { Tide } from '../app';
import { randomToken } from '../credentials/random';
import { providerFor } from '../providers/context';
import { createHostPoolProvider, hostPoolContext } from '../providers/hostpools/registry';
import { scaleHostPool } from '../scaling/hostPool';
import { scaleService, ScaleRefusedError } from '../scaling/scale';
import type { ReceiverRecord } from '../store/receivers';
import { RancherError } from './errors';
import type { ScaleHostConfig, ScaleServiceConfig } from './receiverSchema';
import { stepFrom } from './step';
import { poolFor } from './targets';

export interface DriverOutcome {
  /** The service or host pool scaled. */
  target: string;
  /** null only when a service's replicas could not be read and Tide never knew them (a failed trigger). */
  from: number | null;
  to: number | null;
  status: 'applied' | 'failed' | 'skipped';
  reason: string;
  detail?: string;
  instances?: string[];
}

/** What a trigger asks of a driver: why, and a refusal already decided (the cooldown), to record once the count is known. */
export interface DriverRequest {
  reason: string;
  /** When the webhook function must have answered, on Tide's clock: the scaling fits inside it. */
  deadline: number;
  /** How many times to move by the amount: one per newly firing Alertmanager alert, else one. */
  steps: number;
  refusal?: (current: number) => ScaleRefusedError;
}

/** A refusal inside the scale path was recorded as a skipped event; the caller gets its answer. */
async function answeringRefusals<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ScaleRefusedError) throw error.answer;
    throw error;
  }
}

/** `scaleService`: the service moves by the amount through the same scale path as every other scaling. */
export async function driveScaleService(app: Tide, receiver: ReceiverRecord, config: ScaleServiceConfig, request: DriverRequest): Promise<DriverOutcome> {
  const svc = await app.services.get(receiver.projectId, config.serviceId);
  if (!svc) throw new RancherError(400, `Service ${config.serviceId} has been deleted`);
  const outcome = await answeringRefusals(() =>
    scaleService(
      app,
      svc,
      {
        trigger: 'webhook',
        receiver: receiver.name,
        plan: (current) => {
          if (request.refusal) throw request.refusal(current);
          return { to: stepFrom(current, config, { what: 'service', min: svc.min, max: svc.max }, request.steps), reason: request.reason };
        },
      },
      // Two triggers at once both act, one after the other: the second waits for the lease.
      { owner: `webhook-${randomToken(10)}`, wait: true, dryRun: false, provider: providerFor(app, svc), deadline: request.deadline },
    ),
  );
  // With wait: true, busy means this trigger outlasted its lease: whatever it did was not recorded.
  if (outcome.status === 'busy') throw new RancherError(409, [outcome.reason, outcome.detail].filter(Boolean).join(': '));
  const status = outcome.status === 'applied' || outcome.status === 'failed' ? outcome.status : 'skipped';
  return { target: svc.service, from: outcome.from, to: outcome.to, status, reason: outcome.reason, ...(outcome.detail ? { detail: outcome.detail } : {}) };
}

/** `scaleHost`: the matching host pool moves by the amount; a scale-in removes instances in deleteOption order. */
export async function driveScaleHost(app: Tide, receiver: ReceiverRecord, config: ScaleHostConfig, request: DriverRequest): Promise<DriverOutcome> {
  const pool = await poolFor(app, receiver.projectId, config.hostSelector);
  const outcome = await answeringRefusals(() =>
    scaleHostPool(
      app,
      pool,
      {
        trigger: 'webhook',
        receiver: receiver.name,
        deleteOption: config.deleteOption ?? 'mostRecent',
        plan: (current) => {
          if (request.refusal) throw request.refusal(current);
          return { to: stepFrom(current, config, { what: 'host pool', min: pool.min, max: pool.max }, request.steps), reason: request.reason };
        },
      },
      { owner: `webhook-${randomToken(10)}`, provider: createHostPoolProvider(pool.target, hostPoolContext()), deadline: request.deadline },
    ),
  );
  if (outcome.status === 'busy') throw new RancherError(409, [outcome.reason, outcome.detail].filter(Boolean).join(': '));
  return { target: pool.pool, ...outcome, status: outcome.status };
}
