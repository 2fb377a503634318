import * as z from 'zod';
import type { ProblemDetail } from '../errors';
import { isInScope, secretScopeRule, type SecretScope } from '../secrets';
import { hostRefusal, type TargetGuard } from './addresses';
import { alaudaTarget } from './alauda';
import { ecsTarget } from './ecs';
import { httpTarget } from './http';
import { kubernetesTarget } from './kubernetes';
import { occsTarget } from './occs';
import { rancherTarget } from './rancher';
import { simTarget, type SimTarget } from './sim';
import { swarmTarget } from './swarm';

// A service's target, apart from the providers that act on it: the admin API
// validates and shows targets with this module alone.

/** A service's target: which platform runs it and how to reach it; secrets only as references. */
export type Target = z.output<typeof targetSchema>;

/** A target on a platform Tide reaches over the network, as opposed to the simulator it runs itself. */
export type PlatformTarget = Exclude<Target, SimTarget>;

interface CheckedFields<T> {
  secrets: ReadonlyArray<keyof T & string>;
  urls: ReadonlyArray<keyof T & string>;
}

/** What a PUT checks beyond the schema, per platform: the fields naming secrets, and the fields holding URLs Tide connects to. Alphabetical. */
const CHECKED: { [P in Target['provider']]: CheckedFields<Extract<Target, { provider: P }>> } = {
  alauda: { secrets: ['credentials'], urls: ['url'] },
  ecs: { secrets: [], urls: ['endpoint'] },
  http: { secrets: ['credentials'], urls: ['url'] },
  kubernetes: { secrets: ['credentials', 'caCertificate'], urls: ['apiServer'] },
  occs: { secrets: ['credentials'], urls: ['url'] },
  rancher: { secrets: ['credentials'], urls: ['url'] },
  sim: { secrets: [], urls: [] },
  swarm: { secrets: ['credentials'], urls: ['endpoint'] },
};

/** Every platform's name, as `target.provider` takes it. */
export const PLATFORMS: readonly string[] = Object.keys(CHECKED);

const KNOWN: string = PLATFORMS.join(', ');

export const targetSchema = z.discriminatedUnion('provider', [alaudaTarget, ecsTarget, httpTarget, kubernetesTarget, occsTarget, rancherTarget, simTarget, swarmTarget], {
  error: (issue): string | undefined => {
    if (issue.code === 'invalid_union') return `must be one of: ${KNOWN}`;
    if (issue.code === 'invalid_type') return `must be an object with a provider (${KNOWN})`;
    return undefined;
  },
});

/**
 * What a target that passed its schema may still not do in this deployment,
 * for a 400 on PUT: name a secret outside the stage's platform prefix, or
 * point at a metadata name or a refused literal address. Names are resolved
 * and checked again on every call.
 */
export function targetProblems(target: Target, settings: SecretScope & TargetGuard): ProblemDetail[] {
  const checked: { secrets: readonly string[]; urls: readonly string[] } = CHECKED[target.provider];
  const fields = target as unknown as Record<string, unknown>;
  const problems: ProblemDetail[] = [];
  for (const field of checked.secrets) {
    const reference = fields[field];
    if (typeof reference === 'string' && !isInScope(reference, settings)) problems.push({ path: `target.${field}`, message: secretScopeRule(settings) });
  }
  for (const field of checked.urls) {
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
