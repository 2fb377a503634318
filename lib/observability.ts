import { Logger } from '@aws-lambda-powertools/logger';

type LogLevel = Parameters<Logger['setLogLevel']>[0];

/** Built at the first line logged, not at load: a cold start logs nothing unless something fails. */
let powertools: Logger | undefined;
let level: LogLevel | undefined;

function instance(): Logger {
  if (!powertools) {
    powertools = new Logger({ serviceName: 'tide' });
    if (level) powertools.setLogLevel(level);
  }
  return powertools;
}

/**
 * One logger for every function; it never receives headers or bodies, so no secret can reach the
 * logs. Its level is TIDE_LOG_LEVEL, set by createTide from the deployment's config.
 */
export const logger = {
  setLogLevel(value: LogLevel): void {
    level = value;
    powertools?.setLogLevel(value);
  },
  warn(message: string, fields: Record<string, unknown>): void {
    instance().warn(message, fields);
  },
  error(message: string, fields: Record<string, unknown>): void {
    instance().error(message, fields);
  },
};
