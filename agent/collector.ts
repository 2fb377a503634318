import { DockerApiError, type DockerEngine } from './docker';
import { reason, type Log } from './log';
import { sanitizeName, serviceOf, type ServiceNaming } from './services';
import { readSnapshot, type Counters, type Metrics } from './stats';

/** One sample as SPEC.md's ingest takes it. */
export interface Sample extends Metrics {
  ts: string;
  service: string;
  container: string;
}

export interface Collector {
  /** Reads every running container once; throws only when Docker cannot list containers. */
  collect(): Promise<Sample[]>;
}

/**
 * Reads Docker's stats for every running container that belongs to a service.
 * Keeps each container's counters until the next cycle, because CPU and the
 * byte rates are differences over the interval; a container seen for the
 * first time reports memory only.
 */
export function createCollector(deps: { docker: DockerEngine; naming: ServiceNaming; now: () => number; log: Log }): Collector {
  const { docker, naming, now, log } = deps;
  let previous = new Map<string, Counters>();

  return {
    async collect() {
      const containers = await docker.runningContainers();
      // One time for the whole cycle: every sample of a batch then falls in the same bucket.
      const ts = new Date(now()).toISOString();
      const kept = new Map<string, Counters>();
      const skipped: string[] = [];
      const samples = await Promise.all(
        containers.map(async (container): Promise<Sample | undefined> => {
          const service = serviceOf(container, naming);
          if (!service) {
            skipped.push(container.name);
            return undefined;
          }
          let stats;
          try {
            stats = await docker.stats(container.id);
          } catch (error) {
            // 404: the container stopped between the list and this read.
            log(error instanceof DockerApiError && error.statusCode === 404 ? 'debug' : 'warn', 'could not read container stats', {
              container: container.name,
              error: reason(error),
            });
            return undefined;
          }
          const { metrics, counters } = readSnapshot(stats, previous.get(container.id));
          if (counters) kept.set(container.id, counters);
          if (Object.keys(metrics).length === 0) return undefined;
          // Docker's short id, as `docker ps` shows it.
          return { ts, service, container: sanitizeName(container.id.slice(0, 12)), ...metrics };
        }),
      );
      // Containers that are gone drop out here, so the map never outgrows the host.
      previous = kept;
      if (skipped.length > 0) log('debug', 'skipped containers without a service label', { containers: skipped });
      return samples.filter((s): s is Sample => s !== undefined);
    },
  };
}
