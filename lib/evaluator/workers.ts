import { awsTimeouts } from '../awsTimeouts';
import type { TideConfig } from '../config';
import type { WorkerPayload } from './schedule';

/**
 * Starts workers as asynchronous invocations of the evaluator's own function.
 * `endpoints.lambda` points the client at the local stack's Lambda port (or a
 * test's stand-in); unset on AWS. The client, and its SDK, are loaded at the
 * first fan-out: most ticks start no worker.
 */
export function workerInvoker(config: Pick<TideConfig, 'endpoints' | 'region' | 'evaluatorFunction'>): (payload: WorkerPayload) => Promise<void> {
  let lambda: Promise<{ sdk: typeof import('@aws-sdk/client-lambda'); client: import('@aws-sdk/client-lambda').LambdaClient }> | undefined;
  return async (payload) => {
    const endpoint = config.endpoints.lambda;
    const local = endpoint ? { endpoint, region: config.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
    lambda ??= import('@aws-sdk/client-lambda').then((sdk) => ({ sdk, client: new sdk.LambdaClient({ ...local, ...awsTimeouts() }) }));
    const { sdk, client } = await lambda;
    await client.send(new sdk.InvokeCommand({ FunctionName: config.evaluatorFunction, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
  };
}

export function sleepUntil(epochMs: number): Promise<void> {
  const wait = epochMs - Date.now();
  return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
}
