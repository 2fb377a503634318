import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger for every function; it never receives headers or bodies, so no secret can reach the
 * logs. Its level is TIDE_LOG_LEVEL, set by createTide from the deployment's config.
 */
export const logger = new Logger({ serviceName: 'tide' });
