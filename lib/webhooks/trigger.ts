import type { Tide } from '../app';
import { matchesHash } from '../credentials/random';
import { parseDuration } from '../duration';
import { header, json, type HttpEvent, type HttpResult } from '../http/types';
import { ScaleRefusedError } from '../scaling/scale';
import type { ReceiverRecord } from '../store/receivers';
import { alertNotification, type AlertNotification } from './alertmanager';
import { triggerRequest } from './body';
import { driveScaleHost, driveScaleService, type DriverOutcome, type DriverRequest } from './drivers';
import { RancherError, retryAfter, REVOKED } from './errors';
import { once } from './idempotency';
import { holdRateLimit } from './rateLimit';
import { keyIdOf } from './webhookKey';

/**
 * `POST /v1-webhooks/endpoint?key=K&projectId=P`: the key is the only
 * credential. Then, in order: the key's flood limit, the Idempotency-Key,
 * Alertmanager's status, the receiver's cooldown, and the scaling itself.
 */
export async function triggerReceiver(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const request = triggerRequest(event);
  if (!request.key) throw new RancherError(400, "Invalid execute url, should have 'key'");
  if (!request.projectId) throw new RancherError(400, 'Invalid execute url, url must contain projectId');
  const receiver = await authenticate(app, request.key, request.projectId);
  await holdRateLimit(app, receiver.keyId);
  return once(app, receiver.id, header(event, 'idempotency-key'), () => act(app, receiver, alertNotification(request.body)));
}

/** The receiver the key opens in this project; the same 403 for a malformed, unknown, revoked or other project's key. */
async function authenticate(app: Tide, key: string, projectId: string): Promise<ReceiverRecord> {
  const keyId = keyIdOf(key);
  if (!keyId) throw new RancherError(403, REVOKED);
  const record = await app.receivers.getKey(keyId);
  if (!record || !matchesHash(key, record.hash) || record.projectId !== projectId) throw new RancherError(403, REVOKED);
  const receiver = await app.receivers.get(projectId, record.receiverId);
  if (!receiver) throw new RancherError(403, REVOKED);
  return receiver;
}

async function act(app: Tide, receiver: ReceiverRecord, alert: AlertNotification | undefined): Promise<HttpResult> {
  if (alert && alert.status !== 'firing') {
    return json(200, { type: 'trigger', receiver: receiver.name, status: 'ignored', reason: `Alertmanager notification is ${alert.status}; only firing alerts scale` });
  }
  const { action, amount } = receiver.config;
  const reason = `webhook ${receiver.name}: ${action} by ${amount}${alert?.alertName ? ` (alert ${alert.alertName} firing)` : ''}`;
  const cooldownMs = receiver.cooldown ? parseDuration(receiver.cooldown) : 0;
  const claimedAt = app.now();
  const claim = cooldownMs > 0 ? await app.receivers.claimCooldown(receiver.projectId, receiver.id, claimedAt, cooldownMs) : undefined;
  const driverRequest: DriverRequest = { reason };
  if (claim && !claim.granted) driverRequest.refusal = (current) => cooldownRefusal(receiver, claim.retryAfterMs, current);

  let outcome: DriverOutcome | undefined;
  try {
    outcome = await drive(app, receiver, driverRequest);
  } finally {
    // The cooldown runs from the last trigger that changed something, not from refused or failed ones.
    if (claim?.granted && outcome?.status !== 'applied') {
      await app.receivers.returnCooldown(receiver.projectId, receiver.id, claimedAt, claim.previous);
    }
  }
  if (outcome.status === 'failed') throw new RancherError(502, `Error scaling ${outcome.target}: ${outcome.detail ?? outcome.reason}`);
  return json(200, { type: 'trigger', receiver: receiver.name, driver: receiver.config.driver, ...outcome });
}

function drive(app: Tide, receiver: ReceiverRecord, request: DriverRequest): Promise<DriverOutcome> {
  const { config } = receiver;
  return config.driver === 'scaleService' ? driveScaleService(app, receiver, config, request) : driveScaleHost(app, receiver, config, request);
}

function cooldownRefusal(receiver: ReceiverRecord, retryAfterMs: number, current: number): ScaleRefusedError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const reason = `webhook ${receiver.name} is in its ${receiver.cooldown} cooldown for ${seconds}s more`;
  return new ScaleRefusedError(reason, new RancherError(429, `Webhook is in its cooldown; retry in ${seconds}s`, retryAfter(retryAfterMs)), current);
}
