import * as z from 'zod';
import { formatDuration, parseDuration } from '../duration';
import { durationString } from '../durationSchema';
import { ValidationError } from '../errors';
import { convertLegacyPolicy, HISTORY_ENTRIES, HISTORY_MS, MAX_SHADOWS, neverWakes, policySchemaWithin, policyStamp, policyWithoutRulesSchemaWithin, schedulesSchema, type PolicyBounds } from '../policy';
import type { TargetGuard } from '../targets/addresses';
import { targetProblems, targetSchema } from '../targets/schema';
import { hostRefusal } from '../targets/addresses';
import { isInScope, secretScopeRule, type SecretScope } from '../secrets';
import type { ProblemDetail } from '../errors';
import { namespaceName, resourceName } from '../names';
import type { ServiceDocument } from '../store/services';
import { problemsOf, requireSameNames } from '../validation';

const MODES = ['auto', 'dry-run', 'manual'] as const;

const replicaCount = (what: string) =>
  z.number({ error: `must be a whole number >= 0` }).int({ error: `must be a whole number >= 0` }).min(0, { error: `${what} must be >= 0` });

/**
 * How often the evaluator looks at the service: once a minute by default, or
 * several times within each scheduled minute for faster reaction.
 */
const evaluationInterval = durationString.refine(
  (text) => {
    const ms = parseDuration(text);
    return ms >= 10_000 && ms <= 60_000 && 60_000 % ms === 0;
  },
  { error: 'must divide one minute and be at least 10s: 10s, 12s, 15s, 20s, 30s or 1m' },
);

const serviceDocumentSchema = (bounds: PolicyBounds) =>
  z
    .strictObject({
      service: resourceName.optional(),
      namespace: namespaceName.optional(),
      mode: z.enum(MODES, { error: 'must be auto, dry-run or manual' }).default('auto'),
      min: replicaCount('min'),
      max: replicaCount('max').refine((n) => n >= 1, { error: 'max must be >= 1' }),
      evaluationInterval: evaluationInterval.default('1m'),
      target: targetSchema,
      policy: policyWithoutRulesSchemaWithin(bounds).optional(),
      // Candidates decided beside the live policy, never acting: named as services are, each a whole policy.
      shadows: z.record(resourceName, policySchemaWithin(bounds), { error: 'must be an object of named policies' }).optional(),
      // Windows in which other bounds apply, such as a lower max every night (lib/policy/schedules.ts).
      schedules: schedulesSchema.optional(),
    })
    .superRefine((doc, ctx) => {
      if (doc.min > doc.max) ctx.addIssue({ code: 'custom', path: ['min'], message: 'min must not exceed max' });
      // Only the evaluator needs rules; a manual service is scaled by webhooks and operators.
      if (doc.mode !== 'manual' && doc.policy === undefined) {
        ctx.addIssue({ code: 'custom', path: ['policy'], message: `a policy is required in mode ${doc.mode}; only a manual service may go without` });
      }
      // The simulator reports its containers' metrics itself, at 0 replicas too.
      const asleep = doc.mode === 'manual' || doc.target.provider === 'sim' ? undefined : neverWakes(doc.min, doc.policy?.rules ?? [], doc.schedules);
      if (asleep) ctx.addIssue({ code: 'custom', path: ['min'], message: asleep });
      if (doc.mode !== 'manual' && doc.policy?.rules.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['policy', 'rules'], message: `a rule is needed unless mode is manual (mode is ${doc.mode})` });
      }
      const shadows = Object.entries(doc.shadows ?? {});
      if (shadows.length > MAX_SHADOWS) {
        ctx.addIssue({ code: 'custom', path: ['shadows'], message: `at most ${MAX_SHADOWS} shadow policies: each is decided and kept on every evaluation` });
      }
      // Each evaluation adds one recommendation and the history keeps the last 120: 20 minutes of them at 10s.
      const kept = Math.min(HISTORY_MS, HISTORY_ENTRIES * parseDuration(doc.evaluationInterval));
      const policies = [{ path: ['policy'], policy: doc.policy }, ...shadows.map(([name, policy]) => ({ path: ['shadows', name], policy }))];
      for (const { path, policy } of policies) {
        for (const direction of ['scaleOut', 'scaleIn'] as const) {
          const window = policy?.stabilization[direction];
          if (window === undefined || parseDuration(window) <= kept) continue;
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'stabilization', direction],
            message: `must be at most ${formatDuration(kept)} with evaluationInterval ${doc.evaluationInterval}: Tide keeps the last ${HISTORY_ENTRIES} recommendations`,
          });
        }
        const idle = policy?.scaleToZero?.after;
        if (idle !== undefined && parseDuration(idle) >= kept) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'scaleToZero', 'after'],
            message: `must be less than ${formatDuration(kept)} with evaluationInterval ${doc.evaluationInterval}: the idle time is counted in the last ${HISTORY_ENTRIES} recommendations Tide keeps`,
          });
        }
      }
    });

/**
 * Parses a PUT body: converts an Alauda `autoscaling_config` or a Swarm
 * autoscaler policy row into the native min, max and policy first, so the
 * stored document shows what Tide runs. The target's secrets and addresses
 * must be ones this deployment lets targets use, and the policy's windows
 * no longer than it keeps metrics.
 */
export function parseServiceDocument(
  body: unknown,
  service: string,
  namespace: string,
  settings: SecretScope & TargetGuard & PolicyBounds,
): ServiceDocument {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ path: '', message: 'must be a JSON object' }]);
  }
  let doc = body as Record<string, unknown>;
  try {
    const legacy = convertLegacyPolicy(doc, settings);
    if (legacy) {
      if ('policy' in doc) {
        throw new ValidationError([{ path: legacy.keys[0] ?? '', message: `give either policy or a ${legacy.format} policy, not both` }]);
      }
      const rest = Object.fromEntries(Object.entries(doc).filter(([k]) => !legacy.keys.includes(k)));
      doc = { min: legacy.min, max: legacy.max, ...rest, policy: legacy.policy };
    }
  } catch (error) {
    if (error instanceof z.ZodError) throw new ValidationError(problemsOf(error));
    throw error;
  }
  const result = serviceDocumentSchema(settings).safeParse(doc);
  if (!result.success) throw new ValidationError(problemsOf(result.error));
  const refused = [...targetProblems(result.data.target, settings), ...sourceProblems(result.data, settings)];
  if (refused.length > 0) throw new ValidationError(refused);
  const { service: named, namespace: namedNamespace, ...document } = result.data;
  requireSameNames([
    { path: 'service', given: named, expected: service, where: 'path' },
    { path: 'namespace', given: namedNamespace, expected: namespace, where: 'namespace query' },
  ]);
  // The policies are stored parsed: the stamp lets the evaluator run them as stored.
  return { ...document, policyStamp: policyStamp(settings) };
}

/**
 * What a rule's Prometheus source may not do in this deployment, as targetProblems says of
 * targets: name a secret outside the stage's platform secrets, or a URL where Tide does not
 * connect. Names are resolved and checked again on every query.
 */
function sourceProblems(doc: Pick<ServiceDocument, 'policy' | 'shadows'>, settings: SecretScope & TargetGuard): ProblemDetail[] {
  const policies = [{ path: 'policy', policy: doc.policy }, ...Object.entries(doc.shadows ?? {}).map(([name, policy]) => ({ path: `shadows.${name}`, policy }))];
  return policies.flatMap(({ path, policy }) =>
    (policy?.rules ?? []).flatMap((rule, i) => {
      const source = rule.source;
      if (source?.type !== 'prometheus') return [];
      const at = `${path}.rules[${i}].source`;
      const problems: ProblemDetail[] = [];
      const refused = hostRefusal(new URL(source.url).hostname, settings);
      if (refused) problems.push({ path: `${at}.url`, message: `must not point where Tide does not connect: ${refused}` });
      const { credential } = source;
      const secrets: Array<[string, string]> = !credential ? [] : 'bearer' in credential ? [['bearer', credential.bearer]] : [['basic.password', credential.basic.password]];
      for (const [field, reference] of secrets) {
        if (!isInScope(reference, settings)) problems.push({ path: `${at}.credential.${field}`, message: secretScopeRule(settings) });
      }
      return problems;
    }),
  );
}
