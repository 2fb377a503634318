import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config';

describe('Function: loadConfig', () => {
  it('gives every setting its default when the environment sets none, and an empty variable counts as unset', () => {
    const defaults = loadConfig({});
    expect(defaults).toEqual({
      tableName: 'tide-local',
      bucketSeconds: 60,
      retentionSeconds: 86400,
      serviceShards: 1,
      eventRetentionSeconds: 2592000,
      servicesPerWorker: 200,
      stage: 'local',
      localStack: false,
      adminTokenSecret: 'env:TIDE_ADMIN_TOKEN',
      webhookRateLimit: { limit: 60, windowMs: 60_000 },
      logLevel: 'INFO',
      region: 'us-east-1',
      endpoints: {},
    });
    // serverless.yml passes `${env:NAME, ''}` for what the shell leaves unset.
    expect(loadConfig({ TIDE_BUCKET_SECONDS: '', TIDE_WEBHOOK_RATE_LIMIT: '', TIDE_ALLOWED_TARGETS: '', TIDE_LAMBDA_ENDPOINT: '' })).toEqual(defaults);
  });

  it('reads what a deployment sets', () => {
    expect(
      loadConfig({
        TIDE_TABLE: 'tide-prod',
        TIDE_BUCKET_SECONDS: '30',
        TIDE_STAGE: 'prod',
        TIDE_ALLOWED_TARGETS: 'rancher.corp.example, *.k8s.example 10.20.0.0/16,fd12::/16',
        TIDE_ADMIN_TOKEN_SECRET: 'ssm:/tide/prod/admin-token',
        TIDE_WEBHOOK_RATE_LIMIT: '3/1h',
        TIDE_LOG_LEVEL: 'debug',
        AWS_LAMBDA_FUNCTION_NAME: 'tide-prod-evaluator',
        AWS_REGION: 'eu-west-1',
      }),
    ).toMatchObject({
      tableName: 'tide-prod',
      bucketSeconds: 30,
      stage: 'prod',
      allowedTargets: ['rancher.corp.example', '*.k8s.example', '10.20.0.0/16', 'fd12::/16'],
      adminTokenSecret: 'ssm:/tide/prod/admin-token',
      webhookRateLimit: { limit: 3, windowMs: 3_600_000 },
      logLevel: 'DEBUG',
      evaluatorFunction: 'tide-prod-evaluator',
      region: 'eu-west-1',
    });
  });

  it.each([
    { name: 'a bucket under 10 s', env: { TIDE_BUCKET_SECONDS: '5' }, error: 'TIDE_BUCKET_SECONDS must be an integer from 10 to 3600' },
    { name: 'a fraction of a shard', env: { TIDE_SERVICE_SHARDS: '1.5' }, error: 'TIDE_SERVICE_SHARDS must be an integer from 1 to 64' },
    { name: 'a retention that is no number', env: { TIDE_RETENTION_SECONDS: 'a day' }, error: 'TIDE_RETENTION_SECONDS must be an integer from 3600 to 7776000' },
    { name: 'a stage with a space', env: { TIDE_STAGE: 'my stage' }, error: 'TIDE_STAGE must be a stage name: letters, digits and -' },
    { name: 'a CIDR past /32', env: { TIDE_ALLOWED_TARGETS: '10.0.0.0/33' }, error: 'TIDE_ALLOWED_TARGETS lists "10.0.0.0/33", which is none of a host name' },
    { name: 'a rate limit without a window', env: { TIDE_WEBHOOK_RATE_LIMIT: '60' }, error: 'TIDE_WEBHOOK_RATE_LIMIT must be "count/duration" such as "60/1m"' },
    { name: 'a rate limit of 0', env: { TIDE_WEBHOOK_RATE_LIMIT: '0/1m' }, error: 'TIDE_WEBHOOK_RATE_LIMIT must be "count/duration"' },
    { name: 'a rate limit window that is no duration', env: { TIDE_WEBHOOK_RATE_LIMIT: '60/minute' }, error: 'TIDE_WEBHOOK_RATE_LIMIT must be "count/duration"' },
    { name: 'an unknown log level', env: { TIDE_LOG_LEVEL: 'loud' }, error: 'TIDE_LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT' },
  ])('refuses $name, naming the variable', ({ env, error }) => {
    expect(() => loadConfig(env)).toThrow(error);
  });

  it('names every variable that breaks its rule at once', () => {
    expect(() => loadConfig({ TIDE_BUCKET_SECONDS: '0', TIDE_STAGE: 'a b' })).toThrow(
      'TIDE_BUCKET_SECONDS must be an integer from 10 to 3600; TIDE_STAGE must be a stage name: letters, digits and -',
    );
  });

  it("prefers TIDE_EVALUATOR_FUNCTION to the running function's name", () => {
    expect(loadConfig({ TIDE_EVALUATOR_FUNCTION: 'tide-prod-evaluator', AWS_LAMBDA_FUNCTION_NAME: 'tide-prod-worker' }).evaluatorFunction).toBe('tide-prod-evaluator');
  });
});
