/**
 * How long Tide waits on the AWS APIs it keeps its state and secrets in
 * (DynamoDB, SSM, Secrets Manager) and on Lambda's Invoke. They answer in
 * milliseconds: a connection not open after 1 s, or a request not answered
 * after 2 s, is stalled, and the SDK retries it on a fresh connection. With
 * three attempts a stalled call fails in about 6.6 s at worst (3 × 2 s and
 * the SDK's jittered backoff, at most 0.2 s then 0.4 s): inside the shortest
 * function timeout (admin, 10 s), with time left to answer a 500 rather than
 * be stopped by Lambda with nothing said. `throwOnRequestTimeout`: without it
 * the SDK only logs a warning when requestTimeout passes, and goes on waiting.
 */
export function awsTimeouts() {
  return { maxAttempts: 3, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true } };
}
