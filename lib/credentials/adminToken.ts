import { UnauthorizedError } from '../errors';
import { resolveSecret } from '../secrets';
import { matchesHash, sha256Hex } from './random';

/**
 * The admin token comes from TIDE_ADMIN_TOKEN locally, or from the secret
 * named by TIDE_ADMIN_TOKEN_SECRET when deployed (`ssm:/tide/prod/admin-token`).
 */
async function adminTokenHash(): Promise<string> {
  const reference = process.env.TIDE_ADMIN_TOKEN_SECRET ?? 'env:TIDE_ADMIN_TOKEN';
  return sha256Hex(await resolveSecret(reference));
}

export async function authenticateAdmin(presented: string | undefined): Promise<void> {
  if (presented === undefined || !matchesHash(presented, await adminTokenHash())) {
    throw new UnauthorizedError('missing or unknown admin token');
  }
}
