import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { parseDuration } from '../duration';
import { isoTime } from '../time';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import { excerpt, shownUrl, unanswered } from './messages';
import { guardedFetch } from './network';
import type { HttpTarget } from './targets/http';

// The generic outgoing webhook of SPEC.md, for platforms Tide has no provider for:
// GET url answers {"replicas": N}; POST url applies a scaling, signed with the secret.

/** The one call the provider makes: global fetch in production, anything fetch-shaped in a test. */
export type HttpCall = (url: string, init: RequestInit) => Promise<Response>;

const replicasAnswer = z.object({ replicas: z.number().int().min(0) });

export class HttpProvider implements Provider {
  private readonly timeoutMs: number;

  constructor(
    private readonly target: HttpTarget,
    private readonly context: ProviderContext,
    private readonly call: HttpCall = guardedFetch(context.guard),
  ) {
    this.timeoutMs = parseDuration(target.timeout);
  }

  /** Any answer but a 2xx {"replicas": N} means "cannot say": the caller falls back on what it knows. */
  async readReplicas(): Promise<number | undefined> {
    try {
      const response = await this.call(this.target.url, {
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'tide' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) {
        await response.body?.cancel();
        return undefined;
      }
      const answer = replicasAnswer.safeParse(JSON.parse(await response.text()));
      return answer.success ? answer.data.replicas : undefined;
    } catch {
      return undefined;
    }
  }

  async setReplicas(request: ScaleRequest): Promise<void> {
    const body = JSON.stringify({
      namespace: request.namespace,
      service: request.service,
      from: request.from,
      to: request.to,
      trigger: request.trigger,
      reason: request.reason,
      ts: isoTime(request.ts),
    });
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'tide' };
    const secret = this.target.credentials ? await this.secret(this.target.credentials) : undefined;
    if (secret !== undefined) headers['x-tide-signature'] = `sha256=${sign(body, secret)}`;
    const where = `POST ${shownUrl(this.target.url)}`;
    let response: Response;
    try {
      response = await this.call(this.target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new ProviderError('http', 'scale', `${where} did not answer: ${unanswered(error, this.target.timeout)}`, { cause: error });
    }
    // Read the body even on success: it frees the connection, and a refusal's body says why.
    const text = await response.text().catch(() => '');
    if (!response.ok) {
      // The secret only signs and never travels, but a hook that checks it knows it, and may print it.
      const start = excerpt(text, secret === undefined ? [] : [secret]);
      const answer = [response.status, response.statusText, start && `(${start})`].filter(Boolean).join(' ');
      throw new ProviderError('http', 'scale', `${where} answered ${answer}`);
    }
  }

  private async secret(reference: string): Promise<string> {
    try {
      return await this.context.resolveSecret(reference);
    } catch (error) {
      // The reference names the secret, never holds it, so it may appear in the message.
      throw new ProviderError('http', 'scale', `cannot sign the request with ${reference}: ${(error as Error).message}`, { cause: error });
    }
  }
}

export const http: CreateProvider<HttpTarget> = (target, context) => new HttpProvider(target, context);

/** Hex HMAC-SHA256 of the exact body bytes sent, so the receiver can check them before parsing. */
function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

