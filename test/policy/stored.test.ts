import { describe, expect, it } from 'vitest';
import { fnv1a } from '../../lib/hash';
import { DEFAULT_POLICY_BOUNDS } from '../../lib/policy/defaults';
import { policySchema } from '../../lib/policy/schema';
import { fingerprintOf } from '../../lib/policy/shadow';
import { POLICY_SCHEMA_REVISION, policyStamp, storedPolicies } from '../../lib/policy/stored';

const policy = policySchema.parse({ rules: [{ type: 'load', metric: 'cpu_ratio', target: 60 }] });
const shadow = policySchema.parse({ rules: [{ type: 'target', metric: 'cpu_ratio', target: 50 }] });
const sixHours = { retentionSeconds: 6 * 3600 };

describe('the policy stamp', () => {
  it('is the same for the same bounds, and another for another retention', () => {
    expect(policyStamp(DEFAULT_POLICY_BOUNDS)).toBe(policyStamp({ ...DEFAULT_POLICY_BOUNDS }));
    expect(policyStamp(sixHours)).not.toBe(policyStamp(DEFAULT_POLICY_BOUNDS));
  });

  it('lets a document stamped by these bounds run its policies as stored, and no other', () => {
    const doc = { policy, shadows: { cheaper: shadow }, policyStamp: policyStamp(DEFAULT_POLICY_BOUNDS) };
    const runnable = storedPolicies(doc, DEFAULT_POLICY_BOUNDS);
    expect(runnable).toEqual({ policy, shadows: [{ name: 'cheaper', policy: shadow, fingerprint: fingerprintOf(shadow) }] });
    expect(runnable && 'policy' in runnable ? runnable.policy : undefined).toBe(policy);
    expect(storedPolicies(doc, sixHours)).toBeUndefined();
    expect(storedPolicies({ policy }, DEFAULT_POLICY_BOUNDS)).toBeUndefined();
  });

  // What the schema gives for policies of every rule type, every default applied. When this changes
  // other than by POLICY_DEFAULTS (a default given in schema.ts, a new transform), bump
  // POLICY_SCHEMA_REVISION, so that stored documents are parsed again, and update both figures.
  it('names the schema’s revision, bumped when its output changes', () => {
    const parsed = [
      { type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70 },
      { type: 'target', metric: 'cpu_ratio', target: 60 },
      { type: 'step', metric: 'cpu_ratio', steps: [{ above: 80, change: 1 }] },
      { type: 'load', metric: 'cpu_ratio', target: 60, prediction: {} },
      {
        type: 'target',
        metric: 'queue_depth',
        per: 'service',
        target: 10,
        source: { type: 'prometheus', url: 'https://prometheus.example.com', query: 'sum(jobs)' },
      },
    ].map((rule) => policySchema.parse({ rules: [rule], scaleToZero: {} }));
    expect({ revision: POLICY_SCHEMA_REVISION, output: fnv1a(JSON.stringify(parsed)).toString(36) }).toEqual({ revision: 1, output: '1c4gqt6' });
  });
});

describe('a policy’s fingerprint', () => {
  it('does not depend on the order of its fields, which DynamoDB does not keep', () => {
    const reordered = JSON.parse(JSON.stringify(policy, (_, value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).reverse()) : value)));
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(policy));
    expect(fingerprintOf(reordered)).toBe(fingerprintOf(policy));
    expect(fingerprintOf(shadow)).not.toBe(fingerprintOf(policy));
  });
});
