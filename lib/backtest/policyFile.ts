import * as z from 'zod';
import { ValidationError } from '../errors';
import { convertLegacyPolicy, DEFAULT_POLICY_BOUNDS, policySchemaWithin, type Policy, type PolicyBounds } from '../policy';
import { problemsOf } from '../validation';

/** What a backtest needs from a service: its bounds and its parsed policy. */
export interface BacktestPolicy {
  min: number;
  max: number;
  policy: Policy;
}

const replicas = z.number({ error: 'must be a whole number >= 0' }).int({ error: 'must be a whole number >= 0' }).min(0, { error: 'must be a whole number >= 0' });

// `{"min", "max", "policy"}`, or a whole service document as PUT takes it: its other fields are
// accepted so a stored document can be backtested as it is, and ignored because the backtest
// brings its own target (the simulator) and clock (one evaluation a minute).
const policyFileSchema = (bounds: PolicyBounds) =>
  z
    .strictObject({
      min: replicas,
      max: replicas.refine((n) => n >= 1, { error: 'max must be >= 1' }),
      policy: policySchemaWithin(bounds),
      service: z.unknown().optional(),
      namespace: z.unknown().optional(),
      mode: z.unknown().optional(),
      evaluationInterval: z.unknown().optional(),
      target: z.unknown().optional(),
    })
    .superRefine((doc, ctx) => {
      if (doc.min > doc.max) ctx.addIssue({ code: 'custom', path: ['min'], message: 'min must not exceed max' });
    });

/**
 * Parses a policy file's JSON text. Legacy policies (an Alauda `autoscaling_config`, a Swarm
 * autoscaler row) are converted as PUT converts them. Throws a ValidationError naming each field.
 * The bounds are a deployment's, as PUT checks them: the trace could feed a longer window, but a
 * policy the deployment would refuse has nothing to tell about it.
 */
export function parsePolicyFile(text: string, bounds: PolicyBounds = DEFAULT_POLICY_BOUNDS): BacktestPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{ path: '', message: `is not JSON: ${(error as Error).message}` }], 'policy file');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ValidationError([{ path: '', message: 'must be a JSON object with min, max and policy' }], 'policy file');
  }
  try {
    const fields = doc as Record<string, unknown>;
    const legacy = convertLegacyPolicy(fields, bounds);
    if (legacy && 'policy' in fields) {
      throw new ValidationError([{ path: legacy.keys[0] ?? '', message: `give either policy or a ${legacy.format} policy, not both` }], 'policy file');
    }
    const native = legacy
      ? { min: legacy.min, max: legacy.max, ...Object.fromEntries(Object.entries(fields).filter(([k]) => !legacy.keys.includes(k))), policy: legacy.policy }
      : fields;
    const { min, max, policy } = policyFileSchema(bounds).parse(native);
    return { min, max, policy };
  } catch (error) {
    if (error instanceof z.ZodError) throw new ValidationError(problemsOf(error), 'policy file');
    throw error;
  }
}
