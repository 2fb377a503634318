import { awsTimeouts } from './awsTimeouts';
import type { TideConfig } from './config';

/** Which secrets a target may name: this stage's platform secrets, and env: only on the local stack. */
export type SecretScope = Pick<TideConfig, 'stage' | 'localStack'>;

// Tide's own admin token and the function's AWS credentials are in the
// environment of every function: no target may have them sent to it.
const OWN_ENV = /^(TIDE_ADMIN_TOKEN|AWS_.*)$/;

/** The rule a target's secret reference must follow in this deployment, as a 400 states it. */
export function secretScopeRule({ stage, localStack }: SecretScope): string {
  const stores = `must name a secret under ssm:/tide/${stage}/platform/ or secretsmanager:tide/${stage}/platform/`;
  return localStack ? `${stores}, or env:NAME (not TIDE_ADMIN_TOKEN or AWS_*)` : `${stores} (env: only on the local stack)`;
}

/** Whether a target may use this reference: only its stage's platform secrets reach a platform. */
export function isInScope(reference: string, scope: SecretScope): boolean {
  const colon = reference.indexOf(':');
  const scheme = reference.slice(0, colon);
  const name = reference.slice(colon + 1);
  // "..", "." and empty segments could name something else to a store that normalises paths.
  const plainPath = (prefix: string) => name.startsWith(prefix) && name.length > prefix.length && name.split('/').slice(1).every((s) => s !== '' && s !== '.' && s !== '..');
  if (scheme === 'ssm') return plainPath(`/tide/${scope.stage}/platform/`);
  if (scheme === 'secretsmanager') return plainPath(`tide/${scope.stage}/platform/`);
  return scheme === 'env' && scope.localStack && !OWN_ENV.test(name);
}

/** Resolves a target's secret, refusing any reference outside the scope (a document stored before the rule, say). */
export async function resolvePlatformSecret(reference: string, scope: SecretScope, now = Date.now()): Promise<string> {
  if (!isInScope(reference, scope)) throw new SecretUnavailableError(`${reference} is not a platform secret of this deployment: a target ${secretScopeRule(scope)}`);
  return resolveSecret(reference, now);
}

const CACHE_MS = 5 * 60 * 1000;
const cache = new Map<string, { value: string; until: number }>();
// Each store's SDK is loaded at its first read, not with the function: a function that reads no secret never loads them.
let ssm: Promise<{ sdk: typeof import('@aws-sdk/client-ssm'); client: import('@aws-sdk/client-ssm').SSMClient }> | undefined;
let secretsManager: Promise<{ sdk: typeof import('@aws-sdk/client-secrets-manager'); client: import('@aws-sdk/client-secrets-manager').SecretsManagerClient }> | undefined;

export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
}

/** Resolves a secret reference; cached for a few minutes so warm invocations make no extra calls. */
export async function resolveSecret(reference: string, now = Date.now()): Promise<string> {
  const hit = cache.get(reference);
  if (hit && hit.until > now) return hit.value;
  const value = await fetchSecret(reference);
  if (value === undefined || value === '') throw new SecretUnavailableError(`secret ${reference} is not set`);
  cache.set(reference, { value, until: now + CACHE_MS });
  return value;
}

async function fetchSecret(reference: string): Promise<string | undefined> {
  const colon = reference.indexOf(':');
  const scheme = reference.slice(0, colon);
  const name = reference.slice(colon + 1);
  if (scheme === 'env') return process.env[name];
  if (scheme === 'ssm') {
    ssm ??= import('@aws-sdk/client-ssm').then((sdk) => ({ sdk, client: new sdk.SSMClient(awsTimeouts()) }));
    const { sdk, client } = await ssm;
    const out = await client.send(new sdk.GetParameterCommand({ Name: name, WithDecryption: true }));
    return out.Parameter?.Value;
  }
  if (scheme === 'secretsmanager') {
    secretsManager ??= import('@aws-sdk/client-secrets-manager').then((sdk) => ({ sdk, client: new sdk.SecretsManagerClient(awsTimeouts()) }));
    const { sdk, client } = await secretsManager;
    const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: name }));
    return out.SecretString;
  }
  throw new SecretUnavailableError(`unknown secret scheme in ${reference}`);
}
