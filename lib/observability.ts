import { Logger } from '@aws-lambda-powertools/logger';

/** One logger for every function; it never receives headers or bodies, so no secret can reach the logs. */
export const logger = new Logger({ serviceName: 'tide', logLevel: (process.env.TIDE_LOG_LEVEL ?? 'INFO') as 'INFO' });
