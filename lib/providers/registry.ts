import * as z from 'zod';
import type { ProblemDetail } from '../errors';
import { isInScope, secretScopeRule, type SecretScope } from '../secrets';
import { hostRefusal, type TargetGuard } from './addresses';
import { alauda, alaudaTarget } from './alauda';
import { ecs, ecsTarget } from './ecs';
import { http, httpTarget } from './http';
import { kubernetes, kubernetesTarget } from './kubernetes';
import { scrub } from './messages';
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

/**
 * The target's provider. Every secret it resolves is scrubbed from whatever it
 * throws (the message an event, an answer or a log would show, and the causes
 * behind it), since platforms echo requests back, headers included.
 */
export function createProvider(target: Target, context: ProviderContext): Provider {
  const definition = providers[target.provider];
  if (!definition) throw new Error(`no provider ${target.provider} is registered`);
  return concealingSecrets((concealing) => definition.create(target, concealing), context);
}

/** A provider built with a context that remembers each secret it resolves, so that its failures can be scrubbed of them. */
export function concealingSecrets(create: (context: ProviderContext) => Provider, context: ProviderContext): Provider {
  const resolved: string[] = [];
  const provider = create({
    ...context,
    resolveSecret: async (reference) => {
      const value = await context.resolveSecret(reference);
      resolved.push(value);
      return value;
    },
  });
  const concealing = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw withoutSecrets(error, resolved);
    }
  };
  return {
    readReplicas: () => concealing(() => provider.readReplicas()),
    setReplicas: (request) => concealing(() => provider.setReplicas(request)),
  };
}

function withoutSecrets(error: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return error;
  for (let inner = error, depth = 0; inner instanceof Error && depth < 10; inner = inner.cause, depth += 1) {
    inner.message = scrub(inner.message, secrets);
    if (inner.stack) inner.stack = scrub(inner.stack, secrets);
  }
  return error;
}

/**
 * What a target that passed its schema may still not do in this deployment,
 * for a 400 on PUT: name a secret outside the stage's platform prefix, or
 * point at a metadata name or a refused literal address. Names are resolved
 * and checked again on every call.
 */
export function targetProblems(target: Target, settings: SecretScope & TargetGuard): ProblemDetail[] {
  const definition = providers[target.provider];
  if (!definition) return [];
  const fields = target as unknown as Record<string, unknown>;
  const problems: ProblemDetail[] = [];
  for (const field of definition.secretFields) {
    const reference = fields[field];
    if (typeof reference === 'string' && !isInScope(reference, settings)) problems.push({ path: `target.${field}`, message: secretScopeRule(settings) });
  }
  for (const field of definition.urlFields) {
    const url = fields[field];
    // A unix socket is on the machine Tide runs on: like loopback, only the local stack reaches one.
    if (typeof url === 'string' && url.startsWith('unix://') && !settings.localStack) {
      problems.push({ path: `target.${field}`, message: 'must not be a unix socket except on the local stack' });
      continue;
    }
    if (typeof url !== 'string' || !URL.canParse(url)) continue;
    const refused = hostRefusal(new URL(url).hostname, settings);
    if (refused) problems.push({ path: `target.${field}`, message: `must not point where Tide does not connect: ${refused}` });
  }
  return problems;
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
