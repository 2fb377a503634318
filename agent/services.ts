/** A running container as the agent sees it in `GET /containers/json`. */
export interface RunningContainer {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  labels: Record<string, string>;
}

export interface ServiceNaming {
  /** Read before every platform label (`TIDE_SERVICE_LABEL`). */
  serviceLabel?: string;
  /** Name containers without a service label after themselves (`TIDE_SERVICE_FROM_NAME`). */
  fromName: boolean;
}

const KUBERNETES_CONTAINER = 'io.kubernetes.container.name';
const KUBERNETES_NAMESPACE = 'io.kubernetes.pod.namespace';

/** The labels each platform puts on the containers of a service, in the order the agent tries them. */
const PLATFORM_LABELS = [
  'com.docker.swarm.service.name',
  'io.rancher.stack_service.name',
  KUBERNETES_CONTAINER,
  'com.amazonaws.ecs.task-definition-family',
  'com.docker.compose.service',
] as const;

/** The Tide service a container reports under, or undefined to skip it. */
export function serviceOf(container: RunningContainer, naming: ServiceNaming): string | undefined {
  const labels = container.labels;
  // Kubernetes' pause container holds the pod's network and does no work; its near-zero
  // CPU would only pull the service's mean down, and it carries the pod's labels too.
  if (labels[KUBERNETES_CONTAINER] === 'POD') return undefined;
  for (const label of [naming.serviceLabel, ...PLATFORM_LABELS]) {
    const value = label ? labels[label] : undefined;
    if (!value) continue;
    // A container name alone ("app", "nginx") repeats across namespaces.
    const name = label === KUBERNETES_CONTAINER && labels[KUBERNETES_NAMESPACE] ? `${labels[KUBERNETES_NAMESPACE]}/${value}` : value;
    return sanitizeName(name) || undefined;
  }
  return naming.fromName ? sanitizeName(container.name) || undefined : undefined;
}

const NAME_LENGTH = 128;

/**
 * SPEC.md's names (node, service, container) are 1–128 characters of
 * `[A-Za-z0-9_.:/-]`: every other character becomes `_` and the rest is cut
 * at 128, so one odd label cannot get a whole batch refused.
 */
export function sanitizeName(raw: string): string {
  return raw.replace(/[^A-Za-z0-9_.:/-]/g, '_').slice(0, NAME_LENGTH);
}
