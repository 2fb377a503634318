import { gzipSync } from 'node:zlib';

export const ADMIN_TOKEN = 'test-admin-token';

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** A small fetch wrapper: JSON in, parsed JSON out, with the admin token unless told otherwise. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string | Buffer; token?: string | null; headers?: Record<string, string>; gzip?: boolean } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | Buffer | undefined = options.raw;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  if (options.gzip && payload !== undefined) {
    payload = gzipSync(payload);
    headers['content-encoding'] = 'gzip';
  }
  const response = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

let counter = 0;
/** A namespace no other test uses, so tests share one table without seeing each other. */
export function freshNamespace(prefix = 'ns'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
