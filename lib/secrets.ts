import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as z from 'zod';
import { awsTimeouts } from './awsTimeouts';

/** A reference to a secret, never the secret itself: `ssm:/path`, `secretsmanager:name` or `env:NAME`. */
export const secretReference = z
  .string({ error: 'must be a string' })
  .regex(/^(ssm:\/[A-Za-z0-9_.\-/]+|secretsmanager:[A-Za-z0-9_+=.@\-/]+|env:[A-Za-z_][A-Za-z0-9_]*)$/, {
    error: 'must name a secret as ssm:/path, secretsmanager:name or env:NAME',
  });

const CACHE_MS = 5 * 60 * 1000;
const cache = new Map<string, { value: string; until: number }>();
let ssm: SSMClient | undefined;
let secretsManager: SecretsManagerClient | undefined;

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
    ssm ??= new SSMClient(awsTimeouts());
    const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return out.Parameter?.Value;
  }
  if (scheme === 'secretsmanager') {
    secretsManager ??= new SecretsManagerClient(awsTimeouts());
    const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: name }));
    return out.SecretString;
  }
  throw new SecretUnavailableError(`unknown secret scheme in ${reference}`);
}
