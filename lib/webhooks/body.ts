import { MAX_BODY_BYTES } from '../http/body';
import { header, type HttpEvent } from '../http/types';
import { RancherError } from './errors';

function raw(event: HttpEvent): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new RancherError(413, `Request body must be at most ${MAX_BODY_BYTES} bytes`);
  return bytes.toString('utf8');
}

function mediaType(event: HttpEvent): string {
  return (header(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A management request's body, once its media type is JSON: Rancher refuses any other with a 400 and this message. */
export function jsonText(event: HttpEvent): string {
  const contentType = (header(event, 'content-type') ?? '').trim();
  if (!/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(contentType)) {
    throw new RancherError(400, 'Content-Type must be supplied as header. Only application/json is supported');
  }
  return raw(event) ?? '';
}

/** What a trigger carries: the key and project (query, or a form body), and any JSON body, such as an Alertmanager notification. */
export interface TriggerRequest {
  key?: string;
  projectId?: string;
  body?: unknown;
}

/**
 * The trigger needs no body, as in Rancher; a form body may carry key and
 * projectId, a JSON body is read for Alertmanager's status, and any other
 * body (a chat bot's, a CI system's) is ignored rather than refused.
 */
export function triggerRequest(event: HttpEvent): TriggerRequest {
  const query = event.queryStringParameters ?? {};
  const text = raw(event);
  const type = mediaType(event);
  const form = text !== undefined && type === 'application/x-www-form-urlencoded' ? new URLSearchParams(text) : undefined;
  const key = query.key || form?.get('key') || undefined;
  const projectId = query.projectId || form?.get('projectId') || undefined;
  const body = text !== undefined && type === 'application/json' ? parseJson(text) : undefined;
  return { ...(key ? { key } : {}), ...(projectId ? { projectId } : {}), ...(body === undefined ? {} : { body }) };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RancherError(400, 'Bad request body: must be valid JSON');
  }
}
