/**
 * Prometheus Alertmanager's webhook notification (`{"version": "4",
 * "status": "firing"|"resolved", "alerts": [...], ...}`). Rancher acted on
 * every POST, so a `resolved` notification scaled again; Tide acts only on
 * `firing`.
 */
export interface AlertNotification {
  status: string;
  alertName?: string;
}

export function alertNotification(body: unknown): AlertNotification | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { status, alerts, commonLabels } = body as { status?: unknown; alerts?: unknown; commonLabels?: { alertname?: unknown } };
  if (typeof status !== 'string' || !Array.isArray(alerts)) return undefined;
  const alertName = commonLabels?.alertname;
  return { status, ...(typeof alertName === 'string' && alertName ? { alertName } : {}) };
}
