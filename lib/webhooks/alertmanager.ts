import { sha256Hex } from '../credentials/random';
import { RancherError } from './errors';

/**
 * Prometheus Alertmanager's webhook notification (`{"version": "4",
 * "status": "firing"|"resolved", "alerts": [...], ...}`). Rancher acted on
 * every POST, so a `resolved` notification scaled again; Tide acts only on
 * `firing`, and by default only on the alerts in it that newly started firing.
 */
export interface AlertNotification {
  status: string;
  alertName?: string;
  alerts: unknown[];
}

export function alertNotification(body: unknown): AlertNotification | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { status, alerts, commonLabels } = body as { status?: unknown; alerts?: unknown; commonLabels?: { alertname?: unknown } };
  if (typeof status !== 'string' || !Array.isArray(alerts)) return undefined;
  const alertName = commonLabels?.alertname;
  return { status, alerts, ...(typeof alertName === 'string' && alertName ? { alertName } : {}) };
}

/**
 * The identities of the notification's firing alerts. One firing of an alert
 * is its fingerprint and `startsAt` (its sorted labels and `startsAt` when it
 * has no fingerprint): Alertmanager repeats both unchanged in every
 * notification while it fires, and an alert that resolves and fires again
 * gets a new `startsAt`. Hashed, so that any labels fit in a key.
 */
export function firingAlerts(notification: AlertNotification): string[] {
  const identities = new Set<string>();
  notification.alerts.forEach((alert, index) => {
    if (typeof alert !== 'object' || alert === null || Array.isArray(alert)) throw badAlert(index, '', 'an object');
    const { status, startsAt, fingerprint, labels } = alert as Record<string, unknown>;
    // Alertmanager gives each alert its own status; the notification's stands in for one that has none.
    if ((typeof status === 'string' ? status : notification.status) !== 'firing') return;
    if (typeof startsAt !== 'string' || startsAt === '') throw badAlert(index, '.startsAt', 'a timestamp string');
    if (typeof fingerprint === 'string' && fingerprint !== '') {
      identities.add(sha256Hex(JSON.stringify(['fingerprint', fingerprint, startsAt])));
      return;
    }
    if (!isLabels(labels)) throw badAlert(index, '.labels', 'an object of strings when the alert has no fingerprint');
    const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    identities.add(sha256Hex(JSON.stringify(['labels', sorted, startsAt])));
  });
  return [...identities];
}

function isLabels(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

function badAlert(index: number, field: string, what: string): RancherError {
  return new RancherError(400, `Bad request body: alerts[${index}]${field} must be ${what}`);
}
