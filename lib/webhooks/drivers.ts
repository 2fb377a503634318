import type { Tide } from '../app';
import { randomToken } from '../credentials/random';
import { providerFor } from '../providers/context';
import { createHostPoolProvider } from '../providers/hosts/registry';
import type { Refusal, ScaleOutcome } from '../scaling/engine';
import { scaleHostPool } from '../scaling/hostPool';
import { scaleService } from '../scaling/service';
import type { ReceiverRecord, ScaleHostConfig, ScaleServiceConfig } from '../store/receivers';
import { RancherError } from './errors';
import { stepFrom } from './step';
import { poolFor } from './targets';

/** What a driver's scaling came to, and the service or host pool it scaled. */
export type DriverOutcome = ScaleOutcome & { target: string };

/** What a trigger asks of a driver: why, how many steps, and a refusal already decided (the cooldown), to record once the count is known. */
export interface DriverRequest {
  reason: string;
  /** When the webhook function must have answered, on Tide's clock: the scaling fits inside it. */
  deadline: number;
  /** How many times to move by the amount: one per newly firing Alertmanager alert, else one. */
  steps: number;
  refusal?: Refusal;
}

/** `scaleService`: the service moves by the amount through the same scale path as every other scaling. */
export async function driveScaleService(app: Tide, receiver: ReceiverRecord, config: ScaleServiceConfig, request: DriverRequest): Promise<DriverOutcome> {
  const svc = await app.services.get(receiver.projectId, config.serviceId);
  if (!svc) throw new RancherError(400, `Service ${config.serviceId} has been deleted`);
  const bounds = { what: 'service', min: svc.min, max: svc.max };
  const outcome = await scaleService(
    app,
    svc,
    { trigger: 'webhook', receiver: receiver.name, plan: (current) => request.refusal ?? stepFrom(current, config, bounds, request.steps, request.reason) },
    // Two triggers at once both act, one after the other: the second waits for the lease.
    { owner: `webhook-${randomToken(10)}`, wait: true, dryRun: false, provider: providerFor(app, svc), deadline: request.deadline },
  );
  return { ...outcome, target: svc.service };
}

/** `scaleHost`: the matching host pool moves by the amount; a scale-in removes instances in deleteOption order. */
export async function driveScaleHost(app: Tide, receiver: ReceiverRecord, config: ScaleHostConfig, request: DriverRequest): Promise<DriverOutcome> {
  const pool = await poolFor(app, receiver.projectId, config.hostSelector);
  const bounds = { what: 'host pool', min: pool.min, max: pool.max };
  const outcome = await scaleHostPool(
    app,
    pool,
    {
      trigger: 'webhook',
      receiver: receiver.name,
      deleteOption: config.deleteOption ?? 'mostRecent',
      plan: (current) => request.refusal ?? stepFrom(current, config, bounds, request.steps, request.reason),
    },
    { owner: `webhook-${randomToken(10)}`, wait: true, provider: createHostPoolProvider(pool.target, { endpoints: app.config.endpoints }), deadline: request.deadline },
  );
  return { ...outcome, target: pool.pool };
}
