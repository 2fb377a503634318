import { gunzipSync } from 'node:zlib';
import type middy from '@middy/core';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors';
import { header, type HttpEvent, type HttpResult } from './types';

export const MAX_BODY_BYTES = 1024 * 1024;

const JSON_MEDIA_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/**
 * Reads a JSON body into `event.json`: checks the media type, undoes base64
 * and `Content-Encoding: gzip`, and holds the size limit both before and after
 * decompression, so a small gzip bomb cannot get past it.
 *
 * `acceptOctetStream` also takes the same JSON labelled
 * `application/octet-stream`: API Gateway's HTTP APIs hand a body to Lambda as
 * text for text media types (application/json among them) even when it is
 * gzip, which loses its bytes; any other type arrives base64-encoded, intact.
 */
export function jsonBody(options: { maxBytes?: number; acceptOctetStream?: boolean } = {}): middy.MiddlewareObj<HttpEvent, HttpResult> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  return {
    before: (request) => {
      const event = request.event;
      if (event.body === undefined || event.body === null || event.body === '') return;
      const contentType = (header(event, 'content-type') ?? '').trim();
      const octets = options.acceptOctetStream === true && /^application\/octet-stream$/i.test(contentType);
      if (!octets && !JSON_MEDIA_TYPE.test(contentType)) {
        throw new UnsupportedMediaTypeError(`Content-Type must be application/json${options.acceptOctetStream ? ' (or application/octet-stream for a compressed batch)' : ''}`);
      }
      let raw: Buffer = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
      if (raw.length > maxBytes) throw new PayloadTooLargeError(`body must be at most ${maxBytes} bytes`);
      const encoding = (header(event, 'content-encoding') ?? 'identity').trim().toLowerCase();
      if (encoding === 'gzip') raw = gunzip(raw, maxBytes);
      else if (encoding !== 'identity') throw new UnsupportedMediaTypeError('Content-Encoding must be gzip or identity');
      try {
        event.json = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new ValidationError([{ path: '', message: 'must be valid JSON' }]);
      }
    },
  };
}

function gunzip(raw: Buffer, maxBytes: number): Buffer {
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new PayloadTooLargeError(`body must be at most ${maxBytes} bytes after gzip is undone`);
    }
    throw new ValidationError([{ path: '', message: 'must be valid gzip data' }]);
  }
}
