import { fnv1a } from '../hash';
import { HISTORY_MS, POLICY_DEFAULTS, type PolicyBounds } from './defaults';
import type { Policy } from './schema';
import { fingerprintOf, type ShadowPolicy } from './shadow';

// A service document's policies as the evaluator runs them, without the schema. A PUT stores
// each policy parsed (every default applied) and stamps the document with what the parse
// depended on beyond the input; a document whose stamp is this deployment's is run as stored,
// and only one written by an older Tide, or under other bounds, is parsed again
// (parseStoredPolicies, reparse.ts). So a steady fleet's evaluator never loads zod.

/**
 * Bump when the schema's output for an unchanged input changes other than through
 * POLICY_DEFAULTS or the bounds: a new field with a default given in schema.ts, a new transform,
 * a tighter rule a stored policy may break. Every stored document is then parsed again.
 */
export const POLICY_SCHEMA_REVISION = 1;

/** What a parsed policy depends on besides its input: its document is stamped with it on PUT. */
export function policyStamp(bounds: PolicyBounds): string {
  return fnv1a(JSON.stringify([POLICY_SCHEMA_REVISION, POLICY_DEFAULTS, HISTORY_MS, bounds.retentionSeconds])).toString(36);
}

/** The policies of a stored service document: parsed by a PUT, stamped with policyStamp. */
export interface StoredPolicies {
  policy: Policy;
  shadows?: Readonly<Record<string, Policy>> | undefined;
  policyStamp?: string | undefined;
}

/** A document's live policy and its shadows, as decide() runs them; or why its live policy no longer parses. */
export type RunnablePolicies = { policy: Policy; shadows: ShadowPolicy[] } | { problem: string };

/**
 * The document's policies as stored, when its stamp says parsing them again would give the same;
 * undefined when they must be parsed again.
 */
export function storedPolicies(doc: StoredPolicies, bounds: PolicyBounds): RunnablePolicies | undefined {
  if (doc.policyStamp !== policyStamp(bounds)) return undefined;
  return { policy: doc.policy, shadows: Object.entries(doc.shadows ?? {}).map(([name, policy]) => ({ name, policy, fingerprint: fingerprintOf(policy) })) };
}
