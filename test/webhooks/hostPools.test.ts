import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, freshNamespace } from '../support/client';
import { startFakeAutoScaling, type FakeGroup } from '../support/fakeAutoScaling';
import { startHttpApi } from '../support/httpApi';
import { createReceiver, trigger } from '../support/webhooks';

let api: { url: string; close: () => Promise<void> };
let aws: Awaited<ReturnType<typeof startFakeAutoScaling>>;
let groups = 0;

beforeAll(async () => {
  aws = await startFakeAutoScaling([]);
  process.env.TIDE_AUTOSCALING_ENDPOINT = aws.url;
  process.env.TIDE_EC2_ENDPOINT = aws.url;
  api = await startHttpApi();
});
afterAll(async () => {
  await api.close();
  await aws.close();
});

/** Instance ids stay unique across the groups of the whole file: the fake finds an instance to terminate by its id alone. */
const instanceId = (asg: FakeGroup, minute: number) => `i-${asg.name}-${String(minute).padStart(2, '0')}`;

/** A group in the fake with instances launched at the given minutes past 10:00 (listed out of launch order on purpose). */
function group(minutes: number[], bounds = { min: 1, max: 10 }): FakeGroup {
  groups += 1;
  const asg: FakeGroup = { name: `workers-asg-${groups}`, ...bounds, desired: minutes.length, instances: [] };
  asg.instances = minutes.map((minute) => ({
    id: instanceId(asg, minute),
    launchTime: new Date(Date.UTC(2026, 10, 22, 10, minute)).toISOString(),
    lifecycleState: 'InService',
    protectedFromScaleIn: false,
  }));
  aws.state.groups.set(asg.name, asg);
  return asg;
}

async function putPool(ns: string, pool: string, asg: FakeGroup, bounds = { min: 1, max: 10 }, labels: Record<string, string> = { pool: 'workers' }) {
  const answer = await call(api.url, 'PUT', `/v1/hostpools/${pool}?namespace=${ns}`, {
    body: { labels, ...bounds, target: { provider: 'ec2-asg', autoScalingGroupName: asg.name, region: 'eu-west-1' } },
  });
  expect(answer.status, answer.text).toBe(201);
  return answer;
}

const hostReceiver = (name: string, config: Record<string, unknown>) => ({
  name,
  driver: 'scaleHost',
  scaleHostConfig: { hostSelector: { pool: 'workers' }, amount: 1, min: 1, max: 10, ...config },
});

describe('host pools', () => {
  it('are put, shown, listed and deleted with SPEC error bodies', async () => {
    const ns = freshNamespace();
    const asg = group([1]);
    const put = await putPool(ns, 'workers', asg, { min: 2, max: 20 });
    expect(put.body).toMatchObject({
      namespace: ns,
      pool: 'workers',
      labels: { pool: 'workers' },
      min: 2,
      max: 20,
      target: { provider: 'ec2-asg', autoScalingGroupName: asg.name, region: 'eu-west-1' },
    });
    expect((await call(api.url, 'GET', `/v1/hostpools/workers?namespace=${ns}`)).body).toEqual(put.body);
    expect((await call(api.url, 'GET', `/v1/hostpools?namespace=${ns}`)).body.items).toEqual([put.body]);

    const bad = await call(api.url, 'PUT', `/v1/hostpools/workers?namespace=${ns}`, {
      body: { labels: {}, min: 3, max: 2, target: { provider: 'ec2-asg', autoScalingGroupName: '', region: 'Ireland' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'labels', message: 'must have 1 to 20 labels' },
        { path: 'target.autoScalingGroupName', message: 'must be the name of an Auto Scaling group (1-255 characters)' },
        { path: 'target.region', message: 'must be an AWS region such as eu-west-1' },
      ]),
    );

    expect((await call(api.url, 'DELETE', `/v1/hostpools/workers?namespace=${ns}`)).status).toBe(204);
    const gone = await call(api.url, 'GET', `/v1/hostpools/workers?namespace=${ns}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
  });

  it('scale out: raises the group’s desired capacity by the amount', async () => {
    const ns = freshNamespace();
    const asg = group([1, 2]);
    await putPool(ns, 'workers', asg);
    const created = await createReceiver(api.url, ns, hostReceiver('more-workers', { action: 'up', amount: 2 }));
    expect(created.body.scaleHostConfig).toEqual({ hostSelector: { pool: 'workers' }, action: 'up', amount: 2, min: 1, max: 10, type: 'scaleHost' });

    const answer = await trigger(created.body.url);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ driver: 'scaleHost', target: 'workers', from: 2, to: 4, status: 'applied' });
    expect(asg.desired).toBe(4);
    expect(aws.state.calls.filter((c) => c.params.AutoScalingGroupName === asg.name && c.action === 'SetDesiredCapacity')).toEqual([
      { action: 'SetDesiredCapacity', params: expect.objectContaining({ DesiredCapacity: '4', HonorCooldown: 'false' }) },
    ]);
    const events = await call(api.url, 'GET', `/v1/hostpools/workers/events?namespace=${ns}`);
    expect(events.body.items).toEqual([
      expect.objectContaining({ pool: 'workers', from: 2, to: 4, trigger: 'webhook', receiver: 'more-workers', status: 'applied', reason: 'webhook more-workers: up by 2' }),
    ]);
  });

  it.each([
    ['mostRecent', [45, 30]],
    ['leastRecent', [5, 10]],
  ] as const)('scale in with deleteOption %s terminates instances in launch order, lowering the capacity with each', async (deleteOption, minutes) => {
    const ns = freshNamespace();
    const launched = [30, 5, 45, 10, 20];
    const asg = group(launched);
    const expected = minutes.map((m) => instanceId(asg, m));
    await putPool(ns, 'workers', asg);
    const created = await createReceiver(api.url, ns, hostReceiver('fewer-workers', { action: 'down', amount: 2, deleteOption }));
    const answer = await trigger(created.body.url);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ from: 5, to: 3, status: 'applied', instances: expected });
    const terminations = aws.state.calls.filter((c) => c.action === 'TerminateInstanceInAutoScalingGroup' && expected.includes(c.params.InstanceId ?? ''));
    expect(terminations.map((c) => [c.params.InstanceId, c.params.ShouldDecrementDesiredCapacity])).toEqual(expected.map((id) => [id, 'true']));
    expect(asg.desired).toBe(3);
    expect(asg.instances.map((i) => i.id).sort()).toEqual(launched.map((m) => instanceId(asg, m)).filter((id) => !expected.includes(id)).sort());
  });

  it('never removes instances protected from scale-in or already leaving', async () => {
    const ns = freshNamespace();
    const asg = group([1, 2, 3]);
    asg.instances[2]!.protectedFromScaleIn = true; // the newest
    asg.instances[1]!.lifecycleState = 'Terminating';
    await putPool(ns, 'workers', asg);
    const created = await createReceiver(api.url, ns, hostReceiver('fewer', { action: 'down', amount: 1, deleteOption: 'mostRecent' }));
    const answer = await trigger(created.body.url);
    expect(answer.body).toMatchObject({ status: 'applied', instances: [instanceId(asg, 1)] });
  });

  it("refuses a step below the receiver's min or the pool's, and changes nothing", async () => {
    const ns = freshNamespace();
    const asg = group([1, 2, 3]);
    await putPool(ns, 'workers', asg, { min: 2, max: 10 });
    const belowReceiver = await createReceiver(api.url, ns, hostReceiver('drain', { action: 'down', amount: 3, min: 1, deleteOption: 'leastRecent' }));
    const refused = await trigger(belowReceiver.body.url);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ type: 'error', statusCode: 400, status: 'Bad Request', message: 'Cannot scale below provided min scale value' });

    const belowPool = await createReceiver(api.url, ns, hostReceiver('shrink', { action: 'down', amount: 2, min: 1, deleteOption: 'leastRecent' }));
    expect((await trigger(belowPool.body.url)).body.message).toBe("Cannot scale below the host pool's min 2");
    expect(asg.desired).toBe(3);
    expect(asg.instances).toHaveLength(3);
    const events = await call(api.url, 'GET', `/v1/hostpools/workers/events?namespace=${ns}`);
    expect(events.body.items.map((e: { status: string; receiver: string }) => [e.status, e.receiver])).toEqual([
      ['skipped', 'shrink'],
      ['skipped', 'drain'],
    ]);
  });

  it('answers 502 with what AWS said when the group refuses', async () => {
    const ns = freshNamespace();
    const asg = group([1], { min: 1, max: 1 });
    await putPool(ns, 'workers', asg, { min: 1, max: 10 });
    const created = await createReceiver(api.url, ns, hostReceiver('more', { action: 'up' }));
    const answer = await trigger(created.body.url);
    expect(answer.status).toBe(502);
    expect(answer.body.message).toContain('ValidationError: New SetDesiredCapacity value 2 is above max value 1 for the AutoScalingGroup.');
    const events = await call(api.url, 'GET', `/v1/hostpools/workers/events?namespace=${ns}`);
    expect(events.body.items[0]).toMatchObject({ status: 'failed', from: 1, to: 2 });
  });

  it('needs a selector that matches exactly one pool', async () => {
    const ns = freshNamespace();
    await putPool(ns, 'blue', group([1]), undefined, { pool: 'workers', colour: 'blue' });
    await putPool(ns, 'green', group([1]), undefined, { pool: 'workers', colour: 'green' });
    const ambiguous = await call(api.url, 'POST', `/v1-webhooks/receivers?projectId=${ns}`, { body: hostReceiver('more', { action: 'up' }) });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.message).toBe('Host selector map[pool:workers] matches 2 host pools (blue, green); it must match one');
    const narrowed = await createReceiver(api.url, ns, { ...hostReceiver('more', { action: 'up' }), scaleHostConfig: { hostSelector: { pool: 'workers', colour: 'green' }, action: 'up', amount: 1, min: 1, max: 10 } });
    expect((await trigger(narrowed.body.url)).body).toMatchObject({ target: 'green', status: 'applied' });
  });
});
