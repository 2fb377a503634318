import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { awsTimeouts } from '../awsTimeouts';
import type { WorkerPayload } from './schedule';

let lambda: LambdaClient | undefined;

/**
 * Starts a worker as an asynchronous invocation of this same function.
 * TIDE_LAMBDA_ENDPOINT points the client at serverless-offline's Lambda port
 * locally (or a test's stand-in); unset on AWS.
 */
export async function invokeWorker(payload: WorkerPayload): Promise<void> {
  const endpoint = process.env.TIDE_LAMBDA_ENDPOINT;
  const local = endpoint ? { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  lambda ??= new LambdaClient({ ...local, ...awsTimeouts() });
  await lambda.send(
    new InvokeCommand({
      FunctionName: process.env.TIDE_EVALUATOR_FUNCTION ?? process.env.AWS_LAMBDA_FUNCTION_NAME,
      InvocationType: 'Event',
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  );
}

export function sleepUntil(epochMs: number): Promise<void> {
  const wait = epochMs - Date.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
