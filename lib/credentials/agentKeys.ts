import { ForbiddenError, UnauthorizedError } from '../errors';
import type { AgentKeyRecord, AgentKeyStore } from '../store/agentKeys';
import { matchesHash, randomToken, sha256Hex } from './random';

const KEY_PATTERN = /^tide_ak_([A-Za-z0-9]{16})_[A-Za-z0-9]{40}$/;

export interface IssuedAgentKey {
  record: AgentKeyRecord;
  /** The secret, shown to the admin once and never stored. */
  key: string;
}

export async function issueAgentKey(
  store: AgentKeyStore,
  request: { namespace: string; name: string },
  now: number,
): Promise<IssuedAgentKey> {
  const id = randomToken(16);
  const key = `tide_ak_${id}_${randomToken(40)}`;
  const record: AgentKeyRecord = {
    id,
    namespace: request.namespace,
    name: request.name,
    hash: sha256Hex(key),
    createdAt: new Date(now).toISOString(),
  };
  await store.put(record);
  return { record, key };
}

/** The key's record, or 401 for a missing, malformed, unknown or revoked key. */
export async function authenticateAgent(store: AgentKeyStore, presented: string | undefined): Promise<AgentKeyRecord> {
  const match = presented === undefined ? null : KEY_PATTERN.exec(presented);
  if (!match?.[1]) throw new UnauthorizedError('missing or unknown agent key');
  const record = await store.get(match[1]);
  if (!record || !matchesHash(presented as string, record.hash)) throw new UnauthorizedError('missing or unknown agent key');
  return record;
}

export function requireNamespace(record: AgentKeyRecord, namespace: string): void {
  if (record.namespace !== namespace) {
    throw new ForbiddenError(`this agent key belongs to namespace ${record.namespace}, not ${namespace}`);
  }
}

/** The public view of a key: never its hash, never the secret. */
export function describeAgentKey(record: AgentKeyRecord): Omit<AgentKeyRecord, 'hash'> {
  const { hash: _hash, ...rest } = record;
  return rest;
}
