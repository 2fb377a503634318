/**
 * The local Lambda: each function bundled, in its own worker threads with only
 * its own environment, warm between invocations, stopped at its timeout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunctions, scheduledEvent, startInvokeApi, startLambda, type LocalLambda } from '../../scripts/local/lambda';
import type { LocalConfig, LocalFunction } from '../../scripts/local/serverlessConfig';

const HANDLERS: Record<string, string> = {
  env: `export const handler = async () => ({ shell: process.env.FROM_SHELL, own: process.env.ONLY_ENV, other: process.env.ONLY_COUNT ?? null, name: process.env.AWS_LAMBDA_FUNCTION_NAME });`,
  count: `let calls = 0; export const handler = async (event: { add: number }, context: { functionName: string }) => ({ calls: ++calls, add: event.add, functionName: context.functionName });`,
  slow: `export const handler = () => new Promise(() => undefined);`,
  fails: `export const handler = async () => { throw new TypeError('no such thing'); };`,
};

const fn = (name: string, environment: Record<string, string> = {}, timeoutSeconds = 10): LocalFunction => ({
  name,
  source: `${name}.ts`,
  exportName: 'handler',
  deployedName: `tide-local-${name}`,
  timeoutSeconds,
  memoryMb: 256,
  environment,
  httpRoutes: [],
  schedules: [],
});

const config: LocalConfig = {
  service: 'tide',
  stage: 'local',
  region: 'eu-west-1',
  esbuild: { bundle: true, platform: 'node', format: 'cjs', target: 'node20', outputFileExtension: '.cjs' },
  functions: [fn('env', { ONLY_ENV: 'env' }), fn('count', { ONLY_COUNT: 'count' }), fn('slow', {}, 0.2), fn('fails')],
};

let dir: string;
let lambda: LocalLambda;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tide-lambda-'));
  for (const [name, source] of Object.entries(HANDLERS)) writeFileSync(join(dir, `${name}.ts`), source);
  const bundles = await bundleFunctions(dir, config, join(dir, 'build'));
  lambda = startLambda(config.functions, bundles, (f) => ({ FROM_SHELL: 'shell', ...f.environment, AWS_LAMBDA_FUNCTION_NAME: f.deployedName }));
  await lambda.warm();
});

afterAll(async () => {
  await lambda.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a function', () => {
  it('sees the shell’s environment and its own, never another function’s', async () => {
    expect(await lambda.invoke('env', {})).toEqual({ shell: 'shell', own: 'env', other: null, name: 'tide-local-env' });
  });

  it('stays warm between invocations and gets its context', async () => {
    const first = (await lambda.invoke('count', { add: 1 })) as { calls: number; functionName: string };
    const second = (await lambda.invoke('count', { add: 2 })) as { calls: number };
    expect(second.calls).toBe(first.calls + 1);
    expect(first.functionName).toBe('tide-local-count');
  });

  it('runs concurrent invocations in separate environments, as Lambda does', async () => {
    const results = (await Promise.all([lambda.invoke('count', { add: 1 }), lambda.invoke('count', { add: 1 })])) as Array<{ calls: number }>;
    expect(new Set(results.map((r) => r.calls)).size).toBe(2);
  });

  it('fails with the error’s type and message', async () => {
    await expect(lambda.invoke('fails', {})).rejects.toThrow('fails: TypeError: no such thing');
  });

  it('is stopped at its timeout, and the next invocation gets a fresh environment', async () => {
    await expect(lambda.invoke('slow', {})).rejects.toThrow('slow: task timed out after 0.2 seconds');
    await expect(lambda.invoke('slow', {})).rejects.toThrow('timed out');
  });
});

describe('the Lambda Invoke API', () => {
  it('runs a RequestResponse invocation by name or ARN and a fire-and-forget Event', async () => {
    const api = await startInvokeApi((name, event) => lambda.invoke(name, event), config.functions, () => undefined);
    const client = new LambdaClient({ endpoint: api.url, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const byName = await client.send(new InvokeCommand({ FunctionName: 'tide-local-count', Payload: Buffer.from('{"add":5}') }));
      expect(JSON.parse(Buffer.from(byName.Payload ?? []).toString())).toMatchObject({ add: 5 });
      const byArn = await client.send(new InvokeCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:000000000000:function:tide-local-count', Payload: Buffer.from('{"add":6}') }));
      expect(JSON.parse(Buffer.from(byArn.Payload ?? []).toString())).toMatchObject({ add: 6 });
      const event = await client.send(new InvokeCommand({ FunctionName: 'tide-local-count', InvocationType: 'Event', Payload: Buffer.from('{"add":7}') }));
      expect(event.StatusCode).toBe(202);
      const failed = await client.send(new InvokeCommand({ FunctionName: 'tide-local-fails' }));
      expect(failed.FunctionError).toBe('Unhandled');
      await expect(client.send(new InvokeCommand({ FunctionName: 'nope' }))).rejects.toThrow(/Function not found/);
    } finally {
      client.destroy();
      await api.close();
    }
  });
});

describe('a schedule', () => {
  it('delivers EventBridge’s scheduled event', () => {
    expect(scheduledEvent(config, fn('env'), new Date('2026-11-30T10:01:00.123Z'))).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-11-30T10:01:00Z',
      region: 'eu-west-1',
      detail: {},
    });
  });
});
