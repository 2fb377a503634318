import * as z from 'zod';

// Apart from lib/secrets.ts, which reaches SSM and Secrets Manager: documents name secrets with
// this alone, so code that only validates them (a policy's sources, the CLI) pulls in no AWS SDK.

/** A reference to a secret, never the secret itself: `ssm:/path`, `secretsmanager:name` or `env:NAME`. */
export const secretReference = z
  .string({ error: 'must be a string' })
  .regex(/^(ssm:\/[A-Za-z0-9_.\-/]+|secretsmanager:[A-Za-z0-9_+=.@\-/]+|env:[A-Za-z_][A-Za-z0-9_]*)$/, {
    error: 'must name a secret as ssm:/path, secretsmanager:name or env:NAME',
  });
