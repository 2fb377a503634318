import type { Tide } from '../app';
import { randomToken } from '../credentials/random';
import { json, noContent, type HttpEvent, type HttpResult } from '../http/types';
import { namespaceName } from '../names';
import { DuplicateReceiverNameError, type ReceiverConfig, type ReceiverRecord } from '../store/receivers';
import { jsonText, parseJson } from './body';
import { RancherError } from './errors';
import { parseReceiverRequest } from './receiverSchema';
import { poolFor } from './targets';
import { apiBase, triggerUrl } from './urls';
import { issueWebhookKey, maskedKey } from './webhookKey';

/** Rancher's `projectId` query parameter; in Tide it names the namespace the receiver belongs to. */
function projectOf(event: HttpEvent): string {
  const projectId = event.queryStringParameters?.projectId;
  if (!projectId) throw new RancherError(400, 'projectId must be supplied as query parameter');
  if (!namespaceName.safeParse(projectId).success) {
    throw new RancherError(400, `Invalid projectId ${projectId}: must be 1-64 characters of A-Z a-z 0-9 _ . -`);
  }
  return projectId;
}

/** A receiver as Rancher's API shows it, with Tide's `cooldown`, `alertmanager` and `createdAt` added. */
function view(receiver: ReceiverRecord, base: string, url: string) {
  const { driver, ...config } = receiver.config;
  return {
    id: receiver.id,
    type: 'receiver',
    links: { self: `${base}/v1-webhooks/receivers/${receiver.id}?projectId=${encodeURIComponent(receiver.projectId)}` },
    actions: {},
    name: receiver.name,
    driver,
    state: receiver.state,
    url,
    scaleServiceConfig: driver === 'scaleService' ? { ...config, type: driver } : {},
    scaleHostConfig: driver === 'scaleHost' ? { ...config, type: driver } : {},
    ...(receiver.cooldown ? { cooldown: receiver.cooldown } : {}),
    ...(receiver.alertmanager ? { alertmanager: receiver.alertmanager } : {}),
    createdAt: receiver.createdAt,
  };
}

/** The key is never shown again after create: list and get mask it. */
const shown = (receiver: ReceiverRecord, base: string) => view(receiver, base, triggerUrl(receiver.endpoint, maskedKey(receiver.keyHint), receiver.projectId));

/** Rancher checks that what the receiver scales exists when it is created. */
async function requireTarget(app: Tide, projectId: string, config: ReceiverConfig): Promise<void> {
  if (config.driver === 'scaleHost') {
    await poolFor(app, projectId, config.hostSelector);
    return;
  }
  if (!(await app.services.get(projectId, config.serviceId))) throw new RancherError(400, `Invalid service ${config.serviceId}`);
}

/** `POST /v1-webhooks/receivers?projectId=P`: the only answer that shows the key, inside the trigger URL. */
export async function createReceiver(event: HttpEvent, app: Tide): Promise<HttpResult> {
  // Rancher's order: the media type, the project, then the body.
  const text = jsonText(event);
  const projectId = projectOf(event);
  const request = parseReceiverRequest(parseJson(text));
  await requireTarget(app, projectId, request.config);

  const { key, keyId, keyHint, hash } = issueWebhookKey();
  const base = apiBase(event);
  const receiver: ReceiverRecord = {
    id: randomToken(16),
    projectId,
    name: request.name,
    state: 'active',
    config: request.config,
    ...(request.cooldown ? { cooldown: request.cooldown } : {}),
    ...(request.alertmanager ? { alertmanager: request.alertmanager } : {}),
    endpoint: `${base}/v1-webhooks/endpoint`,
    keyHint,
    keyId,
    createdAt: new Date(app.now()).toISOString(),
  };
  try {
    await app.receivers.create(receiver, { keyId, projectId, receiverId: receiver.id, hash });
  } catch (error) {
    if (!(error instanceof DuplicateReceiverNameError)) throw error;
    throw new RancherError(400, `Cannot have duplicate webhook name, webhook ${request.name} already exists`);
  }
  return json(200, view(receiver, base, triggerUrl(receiver.endpoint, key, projectId)));
}

/** `GET /v1-webhooks/receivers?projectId=P`: Rancher's collection, keys masked. */
export async function listReceivers(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const projectId = projectOf(event);
  const base = apiBase(event);
  const receivers = await app.receivers.list(projectId);
  return json(200, {
    type: 'collection',
    resourceType: 'receiver',
    links: { self: `${base}/v1-webhooks/receivers?projectId=${encodeURIComponent(projectId)}` },
    data: receivers.map((r) => shown(r, base)),
  });
}

async function existing(event: HttpEvent, app: Tide): Promise<{ projectId: string; receiver: ReceiverRecord }> {
  const projectId = projectOf(event);
  const receiver = await app.receivers.get(projectId, event.pathParameters?.id ?? '');
  if (!receiver) throw new RancherError(404, 'Webhook not found');
  return { projectId, receiver };
}

export async function getReceiver(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { receiver } = await existing(event, app);
  return json(200, shown(receiver, apiBase(event)));
}

/** `DELETE`: the receiver and its key go in one write, so the very next trigger is refused. */
export async function deleteReceiver(event: HttpEvent, app: Tide): Promise<HttpResult> {
  const { projectId, receiver } = await existing(event, app);
  if (!(await app.receivers.delete(projectId, receiver.id))) throw new RancherError(404, 'Webhook not found');
  return noContent();
}
