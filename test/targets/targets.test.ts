import { describe, expect, it } from 'vitest';
import { PLATFORMS, redactTarget, targetProblems, targetSchema, type Target } from '../../lib/targets/schema';
import { problemLines } from '../support/problems';

/** The platforms as messages list them: every platform added lengthens it. */
const KNOWN = PLATFORMS.join(', ');

/** Each problem as "path: message", the way the API reports it. */
function problems(input: unknown): string[] {
  return problemLines(targetSchema, input);
}

describe('platforms', () => {
  it('are listed alphabetically, each under the name its schema accepts', () => {
    const names = [...PLATFORMS];
    expect(names).toEqual([...names].sort());
    expect(problems({ provider: 'nope' })).toEqual([`provider: must be one of: ${names.join(', ')}`]);
  });
});

describe('targetSchema', () => {
  it("accepts SPEC.md's http target and fills in the timeout", () => {
    expect(targetSchema.parse({ provider: 'http', url: 'https://ops.example/scale/myweb', credentials: 'env:SCALE_HOOK_SECRET' })).toEqual({
      provider: 'http',
      url: 'https://ops.example/scale/myweb',
      credentials: 'env:SCALE_HOOK_SECRET',
      timeout: '5s',
    });
  });

  it('accepts a sim target and fills in its defaults', () => {
    expect(targetSchema.parse({ provider: 'sim', offeredLoad: 120, capacityPerReplica: 50 })).toEqual({
      provider: 'sim',
      offeredLoad: 120,
      capacityPerReplica: 50,
      startupDelay: '60s',
      initialReplicas: 1,
    });
  });

  it.each([
    { name: 'no object', input: 'http', problems: [`: must be an object with a provider (${KNOWN})`] },
    { name: 'no provider', input: { url: 'https://x.example' }, problems: [`provider: must be one of: ${KNOWN}`] },
    { name: 'an unknown provider', input: { provider: 'nomad' }, problems: [`provider: must be one of: ${KNOWN}`] },
    { name: 'http without url', input: { provider: 'http' }, problems: ['url: must be an http:// or https:// URL'] },
    { name: 'http with another scheme', input: { provider: 'http', url: 'ftp://x.example/' }, problems: ['url: must be an http:// or https:// URL'] },
    { name: 'http with a relative url', input: { provider: 'http', url: '/scale' }, problems: ['url: must be an http:// or https:// URL'] },
    {
      name: 'http with a password in the url',
      input: { provider: 'http', url: 'https://ops:hunter2@x.example/' },
      problems: ['url: must not carry a user or password; name the secret in credentials'],
    },
    {
      name: 'http with a secret in the query string',
      input: { provider: 'http', url: 'https://x.example/api/scale?code=hunter2' },
      problems: ['url: must not carry a query string; name the secret in credentials, which signs each request'],
    },
    {
      name: 'http with a literal secret',
      input: { provider: 'http', url: 'https://x.example/', credentials: 'hunter2' },
      problems: ['credentials: must name a secret as ssm:/path, secretsmanager:name or env:NAME'],
    },
    { name: 'http with a zero timeout', input: { provider: 'http', url: 'https://x.example/', timeout: '0s' }, problems: ['timeout: must be longer than 0s'] },
    { name: 'http with a long timeout', input: { provider: 'http', url: 'https://x.example/', timeout: '2m' }, problems: ['timeout: must be at most 60s'] },
    { name: 'a misspelt field', input: { provider: 'http', url: 'https://x.example/', credential: 'env:X' }, problems: [': Unrecognized key: "credential"'] },
    {
      name: 'sim without its numbers',
      input: { provider: 'sim' },
      problems: [
        'offeredLoad: must be a number >= 0: the load clients send, in the units of capacityPerReplica',
        'capacityPerReplica: must be a number > 0: the load one replica serves at 100% CPU',
      ],
    },
    {
      name: 'sim with impossible numbers',
      input: { provider: 'sim', offeredLoad: -1, capacityPerReplica: 0, startupDelay: 'soon', initialReplicas: 1.5 },
      problems: [
        'offeredLoad: must be a number >= 0: the load clients send, in the units of capacityPerReplica',
        'capacityPerReplica: must be a number > 0: the load one replica serves at 100% CPU',
        'startupDelay: must be a duration such as "30s", "10m" or "1h"',
        'initialReplicas: must be a whole number from 0 to 10000',
      ],
    },
  ])('refuses $name', ({ input, problems: expected }) => {
    expect(problems(input)).toEqual(expected);
  });
});

describe('redactTarget', () => {
  it.each([
    { name: 'keeps secret references, which name secrets without holding them', url: 'https://ops.example/scale', shown: 'https://ops.example/scale' },
    { name: 'leaves an ordinary query as written', url: 'https://ops.example/scale?service=web&x=a%20b', shown: 'https://ops.example/scale?service=web&x=a%20b' },
    {
      name: 'hides query values named like credentials',
      url: 'https://tide.example/v1-webhooks/endpoint?key=abc123&projectId=1a5',
      shown: 'https://tide.example/v1-webhooks/endpoint?key=REDACTED&projectId=1a5',
    },
    { name: 'hides a token', url: 'https://ops.example/scale?access_token=abc', shown: 'https://ops.example/scale?access_token=REDACTED' },
  ])('$name', ({ url, shown }) => {
    const target: Target = { provider: 'http', url, credentials: 'env:SCALE_HOOK_SECRET', timeout: '5s' };
    expect(redactTarget(target)).toEqual({ ...target, url: shown });
  });

  it('hides a user and password in any URL field', () => {
    // Only the http schema refuses userinfo; redaction must not depend on that.
    const stored = { provider: 'http', url: 'https://ops:hunter2@ops.example/scale', credentials: 'ssm:/tide/hook', timeout: '5s' } as Target;
    expect(redactTarget(stored)).toEqual({ ...stored, url: 'https://REDACTED@ops.example/scale' });
  });
});

describe('where a target may point', () => {
  const socket = { provider: 'swarm', endpoint: 'unix:///var/run/docker.sock', serviceId: 'web', timeout: '10s' } as Target;

  it('refuses a unix socket once deployed: it is the machine Tide runs on', () => {
    expect(targetProblems(socket, { stage: 'prod', localStack: false })).toEqual([{ path: 'target.endpoint', message: 'must not be a unix socket except on the local stack' }]);
  });

  it('takes a unix socket on the local stack (npm start on a manager node)', () => {
    expect(targetProblems(socket, { stage: 'local', localStack: true })).toEqual([]);
  });
});
