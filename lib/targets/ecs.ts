import * as z from 'zod';
import { isSecureUrl } from './fields';

const RULE = {
  // ECS names: up to 255 letters, digits, hyphens and underscores; the API also takes full ARNs.
  cluster: 'must be an ECS cluster name (1-255 letters, digits, - or _) or a cluster ARN',
  service: 'must be an ECS service name (1-255 letters, digits, - or _) or a service ARN',
  region: 'must be an AWS region such as eu-west-1',
  endpoint: 'must be an https:// URL (http:// only on localhost or 127.0.0.1)',
  credentials: 'must not be set: Tide calls ECS with its own role (ecs:DescribeServices, ecs:UpdateService in serverless.yml)',
};

/** An Amazon ECS service (lib/providers/ecs.ts). */
export const ecsTarget = z.strictObject({
  provider: z.literal('ecs'),
  cluster: z.string({ error: RULE.cluster }).regex(/^[A-Za-z0-9_-]{1,255}$|^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/, { error: RULE.cluster }),
  service: z.string({ error: RULE.service }).regex(/^[A-Za-z0-9_-]{1,255}$|^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/[A-Za-z0-9_/-]{1,512}$/, { error: RULE.service }),
  region: z.string({ error: RULE.region }).regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, { error: RULE.region }),
  /** A VPC endpoint, or a local fake in tests; TIDE_ECS_ENDPOINT sets one for every ecs target. */
  endpoint: z.string({ error: RULE.endpoint }).refine(isSecureUrl, { error: RULE.endpoint }).optional(),
  // Named so that a target copied from another provider is told why, not just "unrecognized key".
  credentials: z.never({ error: RULE.credentials }).optional(),
});

export type EcsTarget = z.output<typeof ecsTarget>;
