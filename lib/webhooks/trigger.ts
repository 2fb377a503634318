import type { Tide } from '../app';
import { matchesHash, randomToken } from '../credentials/random';
import { parseDuration } from '../duration';
import { header, json, type HttpEvent, type HttpResult } from '../http/types';
import type { Refusal } from '../scaling/engine';
import type { ReceiverRecord } from '../store/receivers';
import { alertNotification, firingAlerts, type AlertNotification } from './alertmanager';
import { triggerRequest } from './body';
import { driveScaleHost, driveScaleService, type DriverOutcome, type DriverRequest } from './drivers';
import { RancherError, retryAfter, REVOKED, wholeSeconds } from './errors';
import { once } from './idempotency';
import { holdRateLimit } from './rateLimit';
import { keyIdOf } from './webhookKey';

/** How long an alert acted on is remembered after the last notification listing it as firing: longer than any repeat_interval in use. */
const ALERT_MEMORY_SECONDS = 7 * 24 * 3600;

/**
 * `POST /v1-webhooks/endpoint?key=K&projectId=P`: the key is the only
 * credential. Then, in order: the key's flood limit, the Idempotency-Key,
 * Alertmanager's status and its newly firing alerts, the receiver's
 * cooldown, and the scaling itself.
 */
export async function triggerReceiver(event: HttpEvent, app: Tide, deadline: number): Promise<HttpResult> {
  const request = triggerRequest(event);
  if (!request.key) throw new RancherError(400, "Invalid execute url, should have 'key'");
  if (!request.projectId) throw new RancherError(400, 'Invalid execute url, url must contain projectId');
  const receiver = await authenticate(app, request.key, request.projectId);
  await holdRateLimit(app, receiver.keyId);
  return once(app, receiver.id, header(event, 'idempotency-key'), () => act(app, receiver, alertNotification(request.body), deadline));
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

async function act(app: Tide, receiver: ReceiverRecord, alert: AlertNotification | undefined, deadline: number): Promise<HttpResult> {
  if (alert && alert.status !== 'firing') return ignored(receiver, `Alertmanager notification is ${alert.status}; only firing alerts scale`);
  if (alert && (receiver.alertmanager?.scaleOn ?? 'eachNewAlert') === 'eachNewAlert') return scaleOnNewAlerts(app, receiver, alert, deadline);
  return scale(app, receiver, alert, 1, deadline);
}

/**
 * One step for each alert that newly started firing; repeats of alerts
 * already acted on and partial resolutions change nothing. The alerts are
 * claimed before scaling, so two deliveries of one notification act once,
 * and given back when the scaling did not happen for a reason a retry can
 * change (the platform failed, the service was busy), so that Alertmanager's
 * retry acts. A refusal at a bound or in the cooldown answers the alert: its
 * repeats do not scale.
 */
async function scaleOnNewAlerts(app: Tide, receiver: ReceiverRecord, alert: AlertNotification, deadline: number): Promise<HttpResult> {
  const firing = firingAlerts(alert);
  const owner = randomToken(12);
  const fresh = await app.actedAlerts.claim(receiver.id, firing, owner, app.now(), ALERT_MEMORY_SECONDS);
  if (fresh.length === 0) {
    return ignored(
      receiver,
      firing.length === 0
        ? 'no alert in this Alertmanager notification is firing'
        : 'every firing alert in this Alertmanager notification has been acted on already; an alert scales once, when it starts firing',
    );
  }
  let answered = false;
  try {
    const result = await scale(app, receiver, alert, fresh.length, deadline);
    answered = true;
    return result;
  } catch (error) {
    answered = error instanceof RancherError && (error.statusCode === 400 || error.statusCode === 429);
    throw error;
  } finally {
    if (!answered) await app.actedAlerts.release(receiver.id, fresh, owner);
  }
}

function ignored(receiver: ReceiverRecord, reason: string): HttpResult {
  return json(200, { type: 'trigger', receiver: receiver.name, status: 'ignored', reason });
}

/** Moves the target `steps` times the receiver's amount, inside its cooldown's rule. */
async function scale(app: Tide, receiver: ReceiverRecord, alert: AlertNotification | undefined, steps: number, deadline: number): Promise<HttpResult> {
  const { action, amount } = receiver.config;
  const each = steps > 1 ? ` for each of ${steps} new alerts` : '';
  const reason = `webhook ${receiver.name}: ${action} by ${amount}${each}${alert?.alertName ? ` (alert ${alert.alertName} firing)` : ''}`;
  const cooldownMs = receiver.cooldown ? parseDuration(receiver.cooldown) : 0;
  const claimedAt = app.now();
  const claim = cooldownMs > 0 ? await app.receivers.claimCooldown(receiver.projectId, receiver.id, claimedAt, cooldownMs) : undefined;
  const driverRequest: DriverRequest = { reason, steps, deadline, ...(claim && !claim.granted ? { refusal: inCooldown(receiver, claim.retryAfterMs) } : {}) };

  let outcome: DriverOutcome | undefined;
  try {
    outcome = await drive(app, receiver, driverRequest);
  } finally {
    // The cooldown runs from the last trigger that changed something, not from refused or failed ones.
    if (claim?.granted && outcome?.status !== 'applied') {
      await app.receivers.returnCooldown(receiver.projectId, receiver.id, claimedAt, claim.previous);
    }
  }
  return answer(receiver, outcome);
}

/** The trigger's answer in Rancher's shape: 200 with what was done, or the error its outcome means. */
function answer(receiver: ReceiverRecord, outcome: DriverOutcome): HttpResult {
  switch (outcome.status) {
    case 'refused':
      throw refusedAnswer(outcome);
    case 'busy':
      // Triggers wait for the lease: busy means it stayed held past the wait, or this trigger outlasted its own and recorded nothing.
      throw new RancherError(409, [outcome.reason, outcome.detail].filter(Boolean).join(': '));
    case 'failed':
      throw new RancherError(502, `Error scaling ${outcome.target}: ${outcome.detail ?? outcome.reason}`);
    default: {
      const { target, from, to, status, reason, detail, instances } = outcome;
      return json(200, {
        type: 'trigger',
        receiver: receiver.name,
        driver: receiver.config.driver,
        target,
        from,
        to,
        status,
        reason,
        ...(detail === undefined ? {} : { detail }),
        ...(instances === undefined ? {} : { instances }),
      });
    }
  }
}

/** A step past a bound is Rancher's 400; the cooldown, 429 with Retry-After; instances that cannot be removed yet, 409. */
function refusedAnswer(refusal: Refusal): RancherError {
  switch (refusal.refused) {
    case 'bound':
      return new RancherError(400, refusal.reason);
    case 'cooldown': {
      const ms = refusal.retryAfter ?? 0;
      return new RancherError(429, `Webhook is in its cooldown; retry in ${wholeSeconds(ms)}s`, retryAfter(ms));
    }
    case 'unremovable':
      return new RancherError(409, refusal.reason);
  }
}

function drive(app: Tide, receiver: ReceiverRecord, request: DriverRequest): Promise<DriverOutcome> {
  const { config } = receiver;
  return config.driver === 'scaleService' ? driveScaleService(app, receiver, config, request) : driveScaleHost(app, receiver, config, request);
}

/** The receiver's cooldown refusal, decided before the lease and recorded with the count the scaling finds. */
function inCooldown(receiver: ReceiverRecord, retryAfterMs: number): Refusal {
  return { refused: 'cooldown', reason: `webhook ${receiver.name} is in its ${receiver.cooldown} cooldown for ${wholeSeconds(retryAfterMs)}s more`, retryAfter: retryAfterMs };
}

