import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Decision } from '../policy';
import type { StoredService } from '../store/services';

/** CloudWatch metrics in the embedded metric format: log lines, no API calls, no added latency. */
const metrics = new Metrics({ namespace: 'Tide', serviceName: 'tide' });

/** One evaluation's replicas before and after, and the metric values it decided on. */
export function publishDecision(svc: StoredService, currentReplicas: number, decision: Decision): void {
  // Powertools' own `service` dimension names the application; Tide's services get their own.
  metrics.addDimensions({ Namespace: svc.namespace, Service: svc.service });
  metrics.addMetric('CurrentReplicas', MetricUnit.Count, currentReplicas);
  metrics.addMetric('DesiredReplicas', MetricUnit.Count, decision.replicas);
  for (const [name, value] of Object.entries(decision.metrics)) metrics.addMetric(name, MetricUnit.NoUnit, value);
  metrics.publishStoredMetrics();
}
