import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseDuration } from '../duration';
import type { TargetGuard } from '../targets/addresses';
import { guardedConnection, TargetRefusedError, type Resolve } from './network';
import { ProviderError, type ProviderContext } from './provider';

// The one way every HTTP-speaking provider reaches its platform: a connection
// only where the target guard allows, a deadline on the whole exchange, TLS
// with the target's own CA and client certificate, redirects never followed
// (they would take credentials to a host nobody checked), and one wording for
// what went wrong. The AWS providers keep the SDK's transport and share the guard.

/** PEM texts: the CA to verify the platform with instead of Node's, and a client certificate with its key. */
export interface ClientTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** What to tell the operator when a TLS handshake fails on a certificate: the fix, in the target's own fields. */
export interface CertificateFixes {
  /** The secret holding the client certificate presented, if any, named as the target names it. */
  clientCertificate?: string;
  /** The platform refused our certificate, or the lack of one. */
  refused: string;
  /** Tide does not trust the platform's certificate. */
  untrusted: string;
}

export interface PlatformCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** An http:// or https:// URL; with `socketPath`, only its path and query count. */
  url: string;
  /** A unix socket to speak HTTP over (Docker's), which the guard allows only on the local stack. */
  socketPath?: string;
  /** Besides `accept` and `user-agent`, which every call sends, and `content-type` JSON for a body, unless given. */
  headers?: Record<string, string>;
  body?: string;
  /** A duration string, so a timeout's message says what was configured. */
  timeout: string;
  tls?: ClientTls;
  certificates?: CertificateFixes;
}

export interface PlatformAnswer {
  status: number;
  statusText: string;
  /** 2xx. */
  ok: boolean;
  text: string;
}

/** One exchange with a platform: `guardedTransport` in production, anything with this shape in a test. */
export type Transport = (call: PlatformCall) => Promise<PlatformAnswer>;

/** A call that got no answer; its message says why, after the call's own description ("did not answer: ECONNREFUSED"). */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';
}

/** Bodies past this are not a scale API's answer; reading on would only hold memory. */
const MAX_BODY_BYTES = 1024 * 1024;

const DEFAULT_FIXES: CertificateFixes = {
  refused: 'this target presents none',
  untrusted: 'Node must trust the CA that signed it (NODE_EXTRA_CA_CERTS)',
};

/** node:http(s) to where the guard allows; every failure to get an answer is a NoAnswerError. */
export function guardedTransport(guard: TargetGuard, resolve?: Resolve): Transport {
  return async (call) => {
    try {
      return await exchange(call, guard, resolve);
    } catch (error) {
      throw new NoAnswerError(whyUnanswered(error, call), { cause: error });
    }
  };
}

function exchange(call: PlatformCall, guard: TargetGuard, resolve: Resolve | undefined): Promise<PlatformAnswer> {
  return new Promise<PlatformAnswer>((answer, reject) => {
    const signal = AbortSignal.timeout(parseDuration(call.timeout));
    // First, so a timeout reads as one (AbortSignal.timeout's TimeoutError) whatever it interrupts.
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    const url = new URL(call.url);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'tide' };
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(call.body));
    }
    Object.assign(headers, call.headers);
    try {
      const options: RequestOptions & ClientTls = {
        method: call.method,
        headers,
        agent: false,
        signal,
        ...call.tls,
        ...(call.socketPath === undefined ? guardedConnection(url.hostname, guard, resolve) : socketConnection(call.socketPath, guard)),
      };
      const send = call.socketPath === undefined && url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = call.socketPath === undefined ? send(url, options) : send({ ...options, path: `${url.pathname}${url.search}` });
      outgoing.on('response', (incoming: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) outgoing.destroy(new Error(`answered more than ${MAX_BODY_BYTES / 1024 / 1024} MiB`));
          else chunks.push(chunk);
        });
        incoming.on('end', () => {
          const status = incoming.statusCode ?? 0;
          answer({ status, statusText: incoming.statusMessage ?? '', ok: status >= 200 && status <= 299, text: Buffer.concat(chunks).toString('utf8') });
        });
        incoming.on('error', reject);
        incoming.on('close', () => {
          if (!incoming.complete) reject(new Error('the connection closed before the answer ended'));
        });
      });
      outgoing.on('error', reject);
      outgoing.end(call.body);
    } catch (error) {
      reject(error);
    }
  });
}

/** A unix socket is on the machine Tide runs on, like loopback: only the local stack (npm start on a manager node) may use one. */
function socketConnection(socketPath: string, guard: TargetGuard): { socketPath: string } {
  if (!guard.localStack) throw new TargetRefusedError(`Tide does not connect there: unix://${socketPath} is a unix socket, reachable only on the local stack`);
  return { socketPath };
}

/** A certificate the platform or Tide refused, said as what to fix; else why nothing answered. */
function whyUnanswered(error: unknown, call: PlatformCall): string {
  const fixes = call.certificates ?? DEFAULT_FIXES;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && TLS_ALERT.test(code)) {
    return fixes.clientCertificate
      ? `refused the TLS client certificate in ${fixes.clientCertificate} (${code}): ${fixes.refused}`
      : `refused the connection without a TLS client certificate (${code}): ${fixes.refused}`;
  }
  if (typeof code === 'string' && UNTRUSTED.test(code)) return `has a TLS certificate Tide does not trust (${code}): ${fixes.untrusted}`;
  return `did not answer: ${unanswered(error, call.timeout)}`;
}

/** The platform's side of a handshake refusing our certificate (a TLS alert). */
const TLS_ALERT =
  /^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED)$/;
/** Node's verification codes for a platform certificate no trusted CA signed. */
const UNTRUSTED = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)$/;

/**
 * Why a call got no answer: a timeout, or the network error's code or message.
 * fetch says only "fetch failed" and keeps the useful part (ECONNREFUSED,
 * ENOTFOUND…) in its cause; node:http puts it in the error's own code.
 */
export function unanswered(error: unknown, timeout: string): string {
  const { name, code, message, cause } = (error ?? {}) as { name?: unknown; code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (name === 'TimeoutError' || name === 'AbortError') return `timed out after ${timeout}`;
  for (const detail of [cause?.code, cause?.message, code, message]) if (typeof detail === 'string' && detail) return detail;
  return String(error);
}

/**
 * What an HTTP-speaking provider calls its platform with: the target's
 * secrets and the guarded transport, each failure worded once, as a
 * ProviderError an event can show.
 */
export class PlatformClient {
  constructor(
    private readonly provider: string,
    private readonly context: ProviderContext,
    private readonly transport: Transport = guardedTransport(context.guard),
  ) {}

  /**
   * The secret `reference` names, for `what` ("the API token"). The reference
   * names the secret, never holds it, so a failure's message may show it.
   */
  async secret(operation: Operation, reference: string, what: string): Promise<string> {
    try {
      return await this.context.resolveSecret(reference);
    } catch (error) {
      throw new ProviderError(this.provider, operation, `cannot read ${what} from ${reference}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The platform's answer, whatever its status; no answer fails the operation after `where` ("GET https://… did not answer: ECONNREFUSED"). */
  async send(operation: Operation, where: string, call: PlatformCall): Promise<PlatformAnswer> {
    try {
      return await this.transport(call);
    } catch (error) {
      throw new ProviderError(this.provider, operation, `${where} ${(error as Error).message}`, { cause: error });
    }
  }
}

type Operation = ProviderError['operation'];
