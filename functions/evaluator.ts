import { tide } from '../lib/app';
import { randomToken } from '../lib/credentials/random';
import { runEvaluator } from '../lib/evaluator/schedule';
import { invokeWorker, sleepUntil } from '../lib/evaluator/workers';

/** Scheduled once a minute, and invoked by itself as a worker when it fans out. */
export const handler = (event: unknown) => runEvaluator(tide(), event, { invokeWorker, sleepUntil }, `evaluator-${randomToken(10)}`);
