/**
 * The Prometheus part of docs/SOURCES.md: every service document it shows is one a PUT accepts,
 * on a deployment whose stage is the one its secrets name (prod), not the local stack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_BOUNDS } from '../../lib/policy';
import { parseServiceDocument } from '../../lib/services/schema';

describe('docs/SOURCES.md', () => {
  it('shows a Swarm service on a Prometheus request rate that a deployment on stage prod accepts', () => {
    const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'SOURCES.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## Prometheus'));
    const examples = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? '') as Record<string, unknown>);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const parsed = parseServiceDocument(example, String(example.service ?? 'web'), 'default', { stage: 'prod', localStack: false, ...DEFAULT_POLICY_BOUNDS });
      expect(parsed.policy?.rules.some((r) => r.source?.type === 'prometheus')).toBe(true);
    }
  });
});
