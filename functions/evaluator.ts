import type { Context } from 'aws-lambda';
import { tide } from '../lib/app';
import { randomToken } from '../lib/credentials/random';
import { runEvaluator } from '../lib/evaluator/schedule';
import { sleepUntil, workerInvoker } from '../lib/evaluator/workers';

/** Scheduled once a minute, and invoked by itself as a worker when it fans out; the deadline is Lambda's timeout on Tide's clock. */
export const handler = (event: unknown, context: Context) =>
  runEvaluator(
    tide(),
    event,
    { invokeWorker: workerInvoker(tide().config), sleepUntil },
    { owner: `evaluator-${randomToken(10)}`, deadline: tide().now() + context.getRemainingTimeInMillis() },
  );
