import * as z from 'zod';
import { alauda, alaudaTarget } from './alauda';
import { ecs, ecsTarget } from './ecs';
import { http, httpTarget } from './http';
import { kubernetes, kubernetesTarget } from './kubernetes';
import { occs, occsTarget } from './occs';
import type { Provider, ProviderContext, ProviderDefinition } from './provider';
import { rancher, rancherTarget } from './rancher';
import { sim, simTarget } from './sim';
import { swarm, swarmTarget } from './swarm';

/** Every provider, keyed by `target.provider`, alphabetical. */
export const providers: Record<string, ProviderDefinition<any>> = { alauda, ecs, http, kubernetes, occs, rancher, sim, swarm };

const KNOWN = Object.keys(providers).join(', ');

/** A service's target: which platform runs it and how to reach it; secrets only as references. */
export const targetSchema = z.discriminatedUnion('provider', [alaudaTarget, ecsTarget, httpTarget, kubernetesTarget, occsTarget, rancherTarget, simTarget, swarmTarget], {
  error: (issue) => {
    if (issue.code === 'invalid_union') return `must be one of: ${KNOWN}`;
    if (issue.code === 'invalid_type') return `must be an object with a provider (${KNOWN})`;
    return undefined;
  },
});

export type Target = z.output<typeof targetSchema>;

export function createProvider(target: Target, context: ProviderContext): Provider {
  const definition = providers[target.provider];
  if (!definition) throw new Error(`no provider ${target.provider} is registered`);
  return definition.create(target, context);
}

/**
 * The target as it may be shown or logged. Credentials are references and stay;
 * a user or password inside any URL goes, and so do query values named like
 * keys or tokens, where webhook URLs (Rancher's `?key=`) carry their secret.
 */
export function redactTarget<T extends Target>(target: T): T {
  return redact(target) as T;
}

function redact(value: unknown): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redact(inner)]));
  }
  return value;
}

const SECRET_PARAMETER = /key|token|secret|password|passwd|signature|^sig$|auth|credential/i;
const REDACTED = 'REDACTED';

function redactUrl(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || !URL.canParse(text)) return text;
  const url = new URL(text);
  let changed = false;
  if (url.username || url.password) {
    url.username = REDACTED;
    url.password = '';
    changed = true;
  }
  for (const name of new Set(url.searchParams.keys())) {
    if (SECRET_PARAMETER.test(name)) {
      url.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  // Untouched URLs keep their exact spelling; URL would normalise it.
  return changed ? url.toString() : text;
}
