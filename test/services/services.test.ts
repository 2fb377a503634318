import { describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { httpApiForTests } from '../support/httpApi';
import { expectFieldRefused } from '../support/problems';
import { createReceiver, scaleUp, trigger } from '../support/webhooks';

const api = httpApiForTests();
const policy = {
  rules: [{ type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '10m', increaseBy: 1, scaleInBelow: 10, inDuration: '10m', decreaseBy: 1 }],
};
const target = { provider: 'http', url: 'https://ops.example/scale/myweb', credentials: 'env:SCALE_HOOK_SECRET' };

describe('services API', () => {
  it('creates (201), replaces (200), shows, lists and deletes a service', async () => {
    const ns = freshNamespace();
    const put = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { mode: 'auto', min: 1, max: 10, target, policy } });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ service: 'myweb', namespace: ns, mode: 'auto', min: 1, max: 10, target });
    // Defaults are applied and shown.
    expect(put.body.policy.stabilization).toEqual({ scaleOut: '0s', scaleIn: '5m' });
    const again = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { mode: 'dry-run', min: 2, max: 10, target, policy } });
    expect(again.status).toBe(200);
    expect(again.body.createdAt).toBe(put.body.createdAt);

    const shown = await call(api.url, 'GET', `/v1/services/myweb?namespace=${ns}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ mode: 'dry-run', min: 2, status: { replicas: null, lastDecision: null } });
    const list = await call(api.url, 'GET', `/v1/services?namespace=${ns}`);
    expect(list.body.items.map((s: { service: string }) => s.service)).toEqual(['myweb']);
    // The stamp the evaluator reads the stored policy by is Tide's own: no answer shows it.
    for (const body of [put.body, again.body, shown.body, ...list.body.items]) expect(Object.keys(body)).not.toContain('policyStamp');

    expect((await call(api.url, 'DELETE', `/v1/services/myweb?namespace=${ns}`)).status).toBe(204);
    expect((await call(api.url, 'GET', `/v1/services/myweb?namespace=${ns}`)).status).toBe(404);
    expect((await call(api.url, 'DELETE', `/v1/services/myweb?namespace=${ns}`)).status).toBe(404);
  });

  it('keeps namespaces apart', async () => {
    const [a, b] = [freshNamespace(), freshNamespace()];
    await call(api.url, 'PUT', `/v1/services/web?namespace=${a}`, { body: { min: 1, max: 3, target, policy } });
    expect((await call(api.url, 'GET', `/v1/services/web?namespace=${b}`)).status).toBe(404);
    expect((await call(api.url, 'GET', `/v1/services?namespace=${b}`)).body.items).toEqual([]);
  });

  const invalid: Array<{ name: string; body: unknown; path: string; message: RegExp }> = [
    { name: 'min above max', body: { min: 5, max: 2, target, policy }, path: 'min', message: /must not exceed max/ },
    { name: 'unknown provider', body: { min: 1, max: 2, target: { provider: 'nomad' }, policy }, path: 'target.provider', message: /must be one of: .*\bhttp\b.*\bsim\b/ },
    { name: 'http url not a URL', body: { min: 1, max: 2, target: { provider: 'http', url: 'ops' }, policy }, path: 'target.url', message: /http:\/\/ or https:\/\// },
    { name: 'a password in the url', body: { min: 1, max: 2, target: { provider: 'http', url: 'https://u:p@ops.example/x' }, policy }, path: 'target.url', message: /must not carry a user or password/ },
    { name: 'credentials not a reference', body: { min: 1, max: 2, target: { ...target, credentials: 's3cret' }, policy }, path: 'target.credentials', message: /ssm:\/path/ },
    { name: 'no policy in auto mode', body: { min: 1, max: 2, target }, path: 'policy', message: /required in mode auto/ },
    { name: 'no rules in auto mode', body: { min: 1, max: 2, target, policy: { rules: [] } }, path: 'policy.rules', message: /a rule is needed unless mode is manual/ },
    { name: 'no rules in dry-run mode', body: { mode: 'dry-run', min: 1, max: 2, target, policy: { rules: [] } }, path: 'policy.rules', message: /a rule is needed unless mode is manual/ },
    { name: 'bad mode', body: { mode: 'sometimes', min: 1, max: 2, target, policy }, path: 'mode', message: /auto, dry-run or manual/ },
    { name: 'bad duration', body: { min: 1, max: 2, target, policy: { rules: [{ ...policy.rules[0], outDuration: 'ten minutes' }] } }, path: 'policy.rules[0].outDuration', message: /duration/ },
    { name: 'unknown field', body: { min: 1, max: 2, target, policy, replicas: 3 }, path: '', message: /replicas/ },
    { name: 'service not matching the path', body: { service: 'other', min: 1, max: 2, target, policy }, path: 'service', message: /must match the path/ },
    { name: 'evaluation interval that does not divide a minute', body: { min: 1, max: 2, target, policy, evaluationInterval: '25s' }, path: 'evaluationInterval', message: /divide one minute/ },
    // Durations end where their meaning does: windows at the metrics' retention, the rest at the decision history's hour.
    { name: 'a window longer than metrics are kept', body: { min: 1, max: 2, target, policy: { rules: [{ ...policy.rules[0], outDuration: '999999h' }] } }, path: 'policy.rules[0].outDuration', message: /^must be at most 24h: metrics are kept 24h \(TIDE_RETENTION_SECONDS\)$/ },
    { name: 'a target rule window of 25h', body: { min: 1, max: 2, target, policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60, window: '25h' }] } }, path: 'policy.rules[0].window', message: /^must be at most 24h/ },
    { name: 'a cooldown of 2h', body: { min: 1, max: 2, target, policy: { ...policy, cooldown: { scaleIn: '2h' } } }, path: 'policy.cooldown.scaleIn', message: /^must be at most 1h: Tide keeps 1h of scaling history$/ },
    { name: 'a readinessDelay of 90m', body: { min: 1, max: 2, target, policy: { ...policy, readinessDelay: '90m' } }, path: 'policy.readinessDelay', message: /^must be at most 1h/ },
    { name: 'a limit period of 2h', body: { min: 1, max: 2, target, policy: { ...policy, limits: { scaleOut: [{ type: 'replicas', value: 1, period: '2h' }] } } }, path: 'policy.limits.scaleOut[0].period', message: /^must be at most 1h/ },
    { name: 'a stabilization window of 61m', body: { min: 1, max: 2, target, policy: { ...policy, stabilization: { scaleIn: '61m' } } }, path: 'policy.stabilization.scaleIn', message: /^must be at most 1h/ },
    { name: 'a stabilization window longer than 120 evaluations', body: { min: 1, max: 2, target, evaluationInterval: '10s', policy: { ...policy, stabilization: { scaleIn: '30m' } } }, path: 'policy.stabilization.scaleIn', message: /^must be at most 20m with evaluationInterval 10s: Tide keeps the last 120 recommendations$/ },
    { name: 'a Swarm row duration longer than metrics are kept', body: { target, min_no: 1, max_no: 3, cond_item: 'cpu_ratio', out_cond: '70%', in_cond: '10%', out_duration: '48h', in_duration: '10m' }, path: 'out_duration', message: /^must be at most 24h/ },
    { name: 'an Alauda wait_period over an hour', body: { target, autoscaling_config: { metric_name: 'CPU_UTILIZATION', upper_threshold: 0.6, lower_threshold: 0.1, minimum_num_instances: 1, maximum_num_instances: 3, wait_period: 7200 } }, path: 'autoscaling_config.wait_period', message: /^must be at most 3600 seconds/ },
    { name: 'a sim startupDelay of 2h', body: { min: 1, max: 2, target: { provider: 'sim', offeredLoad: 1, capacityPerReplica: 1, startupDelay: '2h' }, policy }, path: 'target.startupDelay', message: /^must be at most 1h/ },
  ];

  it.each(invalid)('$name → 400 naming $path, nothing stored', async ({ body, path, message }) => {
    const ns = freshNamespace();
    const answer = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body });
    expectFieldRefused(answer, path, message);
    expect((await call(api.url, 'GET', `/v1/services/myweb?namespace=${ns}`)).status).toBe(404);
  });

  it('takes every bound itself: a 24h window, 1h of cooldown and stabilization, 20m of stabilization at 10s', async () => {
    const ns = freshNamespace();
    const bounded = {
      rules: [{ ...policy.rules[0], outDuration: '24h', inDuration: '1440m' }],
      cooldown: { scaleOut: '1h', scaleIn: '3600s' },
      stabilization: { scaleIn: '1h' },
      readinessDelay: '1h',
      limits: { scaleIn: [{ type: 'percent', value: 10, period: '1h' }] },
    };
    expect((await call(api.url, 'PUT', `/v1/services/hourly?namespace=${ns}`, { body: { min: 1, max: 2, target, policy: bounded } })).status).toBe(201);
    const fast = { ...policy, stabilization: { scaleIn: '20m' } };
    expect((await call(api.url, 'PUT', `/v1/services/fast?namespace=${ns}`, { body: { min: 1, max: 2, target, evaluationInterval: '10s', policy: fast } })).status).toBe(201);
  });

  it.each([
    { name: 'a misspelt namespace', query: 'namespce=prod', path: 'namespce', message: 'is not a query parameter here: this route takes namespace' },
    { name: 'an invalid namespace', query: 'namespace=a%20b', path: 'namespace', message: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' },
  ])('$name in the query → 400 naming it, nothing stored', async ({ query, path, message }) => {
    const service = `q-${freshNamespace()}`;
    const answer = await call(api.url, 'PUT', `/v1/services/${service}?${query}`, { body: { min: 1, max: 2, target, policy } });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'validation_failed', message: '1 problem in query string', details: [{ path, message }] } });
    expect((await call(api.url, 'GET', `/v1/services/${service}`)).status).toBe(404);
  });

  describe('a manual service without rules', () => {
    it.each([
      { name: 'no policy', extra: {}, shownPolicy: undefined },
      { name: 'a policy with no rules', extra: { policy: { rules: [] } }, shownPolicy: expect.objectContaining({ rules: [] }) },
    ])('with $name is stored, shown as given, left alone by the evaluator, and scaled by hand and by webhook', async ({ extra, shownPolicy }) => {
      const ns = freshNamespace();
      const platform = await startHttpTarget(2);
      const put = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, {
        body: { mode: 'manual', min: 1, max: 5, target: { provider: 'http', url: platform.url }, ...extra },
      });
      expect(put.status, put.text).toBe(201);
      const shown = await call(api.url, 'GET', `/v1/services/myweb?namespace=${ns}`);
      expect(shown.body.policy).toEqual(shownPolicy);

      expect((await call(api.url, 'POST', '/v1/evaluate', { body: { namespace: ns } })).body.decisions).toEqual([]);
      const scaled = await call(api.url, 'POST', `/v1/services/myweb/scale?namespace=${ns}`, { body: { replicas: 3, reason: 'release' } });
      expect(scaled.body).toMatchObject({ from: 2, to: 3, status: 'applied' });
      const receiver = await createReceiver(api.url, ns, scaleUp('myweb'));
      expect((await trigger(receiver.body.url)).body).toMatchObject({ from: 3, to: 4, status: 'applied' });
      expect(platform.state.replicas).toBe(4);
      await platform.close();
    });
  });

  it('converts a pasted Alauda autoscaling_config into the native rule on PUT', async () => {
    const ns = freshNamespace();
    const autoscaling_config = {
      metric_name: 'CPU_UTILIZATION', metric_stat: 'MEAN', upper_threshold: '0.6', lower_threshold: '0.1',
      decrease_delta: '1', increase_delta: '1', minimum_num_instances: '1', maximum_num_instances: '6', wait_period: '30',
    };
    const answer = await call(api.url, 'PUT', `/v1/services/test?namespace=${ns}`, { body: { target, autoscaling_config } });
    expect(answer.status).toBe(201);
    expect(answer.body).not.toHaveProperty('autoscaling_config');
    expect(answer.body).toMatchObject({ min: 1, max: 6 });
    expect(answer.body.policy.rules).toEqual([
      { type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 60, outDuration: '5m', increaseBy: 1, scaleInBelow: 10, inDuration: '5m', decreaseBy: 1 },
    ]);
    expect(answer.body.policy.cooldown).toEqual({ scaleOut: '30s', scaleIn: '30s' });
  });

  it('converts a pasted Swarm autoscaler policy row into the native rule on PUT', async () => {
    const ns = freshNamespace();
    const row = { seq: 1, min_no: 1, max_no: 10, cur_no: 3, cond_item: 'cpu_ratio', out_cond: '70%', in_cond: '10%', out_duration: '10m', in_duration: '10m', service_id: '6dnh8i971l5h' };
    const answer = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${ns}`, { body: { target, ...row } });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ min: 1, max: 10 });
    expect(answer.body.policy.rules).toEqual([
      { type: 'threshold', metric: 'cpu_ratio', statistic: 'mean', scaleOutAbove: 70, outDuration: '10m', increaseBy: 1, scaleInBelow: 10, inDuration: '10m', decreaseBy: 1 },
    ]);
  });

  it('names the legacy field that is wrong', async () => {
    const answer = await call(api.url, 'PUT', `/v1/services/myweb?namespace=${freshNamespace()}`, {
      body: { target, autoscaling_config: { metric_name: 'DISK', upper_threshold: '0.6', lower_threshold: '0.1', minimum_num_instances: 1, maximum_num_instances: 3 } },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toContainEqual({ path: 'autoscaling_config.metric_name', message: 'must be CPU_UTILIZATION or MEMORY_UTILIZATION' });
  });

  it('requires the admin token', async () => {
    expect((await call(api.url, 'GET', '/v1/services', { token: null })).status).toBe(401);
    expect((await call(api.url, 'PUT', '/v1/services/x', { token: 'wrong', body: {} })).status).toBe(401);
  });
});
