import { describe, expect, it } from 'vitest';
import { sanitizeName, serviceOf, type RunningContainer, type ServiceNaming } from '../../agent/services';
import { resourceName } from '../../lib/names';

const running = (labels: Record<string, string>, name = 'myweb.1.x2kd8zv0jq7f'): RunningContainer => ({ id: 'c'.repeat(64), name, labels });
const defaults: ServiceNaming = { fromName: false };

describe('service name from labels', () => {
  const cases: Array<{ name: string; labels: Record<string, string>; naming?: ServiceNaming; expected: string | undefined }> = [
    { name: 'Swarm', labels: { 'com.docker.swarm.service.name': 'myweb', 'com.docker.swarm.task.name': 'myweb.1.x2kd' }, expected: 'myweb' },
    { name: 'Rancher 1.6 (stack/service)', labels: { 'io.rancher.stack_service.name': 'shop/web' }, expected: 'shop/web' },
    {
      name: 'Kubernetes (dockershim): namespace/container',
      labels: { 'io.kubernetes.container.name': 'web', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.name': 'web-7d9c6b-x2x' },
      expected: 'shop/web',
    },
    { name: 'Kubernetes without a namespace label', labels: { 'io.kubernetes.container.name': 'web' }, expected: 'web' },
    {
      name: "Kubernetes' pause container is skipped, whatever labels it carries",
      labels: { 'io.kubernetes.container.name': 'POD', 'io.kubernetes.pod.namespace': 'shop', app: 'web' },
      naming: { serviceLabel: 'app', fromName: true },
      expected: undefined,
    },
    { name: 'ECS', labels: { 'com.amazonaws.ecs.task-definition-family': 'web-task', 'com.amazonaws.ecs.container-name': 'web' }, expected: 'web-task' },
    { name: 'Compose', labels: { 'com.docker.compose.service': 'api', 'com.docker.compose.project': 'shop' }, expected: 'api' },
    {
      name: 'TIDE_SERVICE_LABEL wins over platform labels',
      labels: { 'com.docker.swarm.service.name': 'stack_web', 'tide.service': 'web' },
      naming: { serviceLabel: 'tide.service', fromName: false },
      expected: 'web',
    },
    {
      name: 'TIDE_SERVICE_LABEL missing on the container: platform labels still apply',
      labels: { 'com.docker.compose.service': 'api' },
      naming: { serviceLabel: 'tide.service', fromName: false },
      expected: 'api',
    },
    {
      name: 'Swarm before Compose when a container has both',
      labels: { 'com.docker.compose.service': 'api', 'com.docker.swarm.service.name': 'stack_api' },
      expected: 'stack_api',
    },
    { name: 'an empty label counts as absent', labels: { 'com.docker.swarm.service.name': '', 'com.docker.compose.service': 'api' }, expected: 'api' },
    { name: 'no service label: skipped', labels: { maintainer: 'ops' }, expected: undefined },
    { name: 'no service label, TIDE_SERVICE_FROM_NAME=true: the container name', labels: {}, naming: { fromName: true }, expected: 'myweb.1.x2kd8zv0jq7f' },
    { name: 'label values are sanitised', labels: { 'com.docker.compose.service': 'my web+api' }, expected: 'my_web_api' },
  ];

  it.each(cases)('$name', ({ labels, naming, expected }) => {
    expect(serviceOf(running(labels), naming ?? defaults)).toBe(expected);
  });
});

describe('name sanitising', () => {
  const cases = [
    { raw: 'myweb', expected: 'myweb' },
    { raw: 'shop/web:v2.1-rc_1', expected: 'shop/web:v2.1-rc_1' },
    { raw: 'my web', expected: 'my_web' },
    { raw: 'wéb@prod', expected: 'w_b_prod' },
    { raw: 'x'.repeat(200), expected: 'x'.repeat(128) },
  ];

  it.each(cases)('$raw → $expected, which Tide accepts', ({ raw, expected }) => {
    const name = sanitizeName(raw);
    expect(name).toBe(expected);
    expect(resourceName.safeParse(name).success).toBe(true);
  });
});
