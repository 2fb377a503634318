import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { isoTime } from '../time';
import { answered, excerpt, shownUrl } from './messages';
import { ProviderError, type CreateProvider, type Provider, type ProviderContext, type ScaleRequest } from './provider';
import type { HttpTarget } from '../targets/http';
import { PlatformClient } from './transport';

// The generic outgoing webhook of SPEC.md, for platforms Tide has no provider for:
// GET url answers {"replicas": N}; POST url applies a scaling, signed with the secret.

const replicasAnswer = z.object({ replicas: z.number().int().min(0) });

export class HttpProvider implements Provider {
  private readonly platform: PlatformClient;

  constructor(
    private readonly target: HttpTarget,
    context: ProviderContext,
  ) {
    this.platform = new PlatformClient('http', context);
  }

  /** Any answer but a 2xx {"replicas": N} means "cannot say": the caller falls back on what it knows. */
  async readReplicas(): Promise<number | undefined> {
    try {
      const answer = await this.platform.send('read', `GET ${shownUrl(this.target.url)}`, { method: 'GET', url: this.target.url, timeout: this.target.timeout });
      if (!answer.ok) return undefined;
      const parsed = replicasAnswer.safeParse(JSON.parse(answer.text));
      return parsed.success ? parsed.data.replicas : undefined;
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
    const { credentials } = this.target;
    const secret = credentials ? await this.platform.secret('scale', credentials, 'the signing secret') : undefined;
    const headers: Record<string, string> = secret === undefined ? {} : { 'x-tide-signature': `sha256=${sign(body, secret)}` };
    const where = `POST ${shownUrl(this.target.url)}`;
    const answer = await this.platform.send('scale', where, { method: 'POST', url: this.target.url, headers, body, timeout: this.target.timeout });
    if (!answer.ok) {
      // The secret only signs and never travels, but a hook that checks it knows it, and may print it.
      throw new ProviderError('http', 'scale', `${where} ${answered(answer, excerpt(answer.text, secret === undefined ? [] : [secret]))}`);
    }
  }
}

export const http: CreateProvider<HttpTarget> = (target, context) => new HttpProvider(target, context);

/** Hex HMAC-SHA256 of the exact body bytes sent, so the receiver can check them before parsing. */
function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}
