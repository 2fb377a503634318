import { UnauthorizedError } from '../errors';
import { resolveSecret } from '../secrets';
import { matchesHash, sha256Hex } from './random';

/**
 * The admin token is the secret `reference` names: the config's adminTokenSecret,
 * `ssm:/tide/prod/admin-token` when deployed, `env:TIDE_ADMIN_TOKEN` locally.
 */
export async function authenticateAdmin(presented: string | undefined, reference: string): Promise<void> {
  if (presented === undefined || !matchesHash(presented, sha256Hex(await resolveSecret(reference)))) {
    throw new UnauthorizedError('missing or unknown admin token');
  }
}
