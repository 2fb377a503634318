/**
 * The CloudWatch part of docs/SOURCES.md: every JSON it shows is one a PUT accepts on a deployment
 * (stage prod, not the local stack); a lone rule, inside a policy.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_BOUNDS } from '../../lib/policy';
import { parseServiceDocument } from '../../lib/services/schema';

describe('docs/SOURCES.md', () => {
  it('shows CloudWatch rules and an ECS service on an SQS queue that a deployment accepts', () => {
    const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'SOURCES.md'), 'utf8');
    const end = docs.indexOf('## Prometheus');
    const section = end === -1 ? docs : docs.slice(0, end);
    const examples = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? '') as Record<string, unknown>);
    expect(examples).toHaveLength(2);
    for (const example of examples) {
      const document = 'type' in example ? { min: 1, max: 10, target: { provider: 'ecs', cluster: 'prod', service: 'web', region: 'us-east-1' }, policy: { rules: [example] } } : example;
      const parsed = parseServiceDocument(document, String(example.service ?? 'web'), 'default', { stage: 'prod', localStack: false, ...DEFAULT_POLICY_BOUNDS });
      expect(parsed.policy?.rules.every((r) => r.source?.type === 'cloudwatch' && r.per !== undefined)).toBe(true);
    }
  });
});
