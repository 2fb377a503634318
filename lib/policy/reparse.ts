import type { PolicyBounds } from './defaults';
import { policySchemaWithin } from './schema';
import { fingerprintOf, type ShadowPolicy } from './shadow';
import type { RunnablePolicies, StoredPolicies } from './stored';

// Stored policies parsed again by the schema: a document written before a newer default
// existed gets it, and one whose windows a shorter retention no longer covers says so instead
// of reading too little. The evaluator loads this module only for a document whose stamp is not
// this deployment's (stored.ts).

/** The document's policies parsed again; a shadow that no longer parses is left out, and so left as it stood. */
export function parseStoredPolicies(doc: Pick<StoredPolicies, 'shadows'> & { policy: unknown }, bounds: PolicyBounds): RunnablePolicies {
  const parsed = policySchemaWithin(bounds).safeParse(doc.policy);
  if (!parsed.success) return { problem: parsed.error.message };
  return { policy: parsed.data, shadows: shadowPolicies(doc.shadows, bounds) };
}

/**
 * A service document's shadows, parsed as decide() runs them. A stored shadow that no longer
 * parses (a retention cut below one of its windows) is left out, and so left as it stood.
 */
export function shadowPolicies(shadows: Readonly<Record<string, unknown>> | undefined, bounds: PolicyBounds): ShadowPolicy[] {
  return Object.entries(shadows ?? {}).flatMap(([name, raw]) => {
    const parsed = policySchemaWithin(bounds).safeParse(raw);
    return parsed.success ? [{ name, policy: parsed.data, fingerprint: fingerprintOf(parsed.data) }] : [];
  });
}
