/**
 * `npm start`: Tide on this machine, as AWS runs it. DynamoDB Local (data kept
 * in .tide/), the table, each function bundled as it is deployed and run in
 * its own worker threads with the environment serverless.yml gives it on top
 * of this shell's, the HTTP API on 127.0.0.1 (payload 2.0, bodies byte-exact),
 * the evaluator's schedule, and the Lambda Invoke API for its fan-out.
 * Writes the API's URL to .tide/url. Ctrl-C stops it all.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from '../lib/credentials/random';
import { ensureTable, startDynamoDbLocal, type LocalDynamoDb } from './local/dynamodb';
import { httpRoutes, startFunctionUrl, startHttpApi, type HttpApiServer } from './local/httpApi';
import { bundleFunctions, startInvokeApi, startLambda, startSchedules, type LocalLambda } from './local/lambda';
import { declaredConfig, resolvedConfig, type LocalFunction } from './local/serverlessConfig';

const root = join(import.meta.dirname, '..');
// Where `npm start` runs (npm runs it in the project folder): the CLI and the README look there.
const stateDir = process.env.TIDE_STATE_DIR ?? join(process.cwd(), '.tide');
const stage = 'local';
const started = Date.now();

function adminToken(): string {
  if (process.env.TIDE_ADMIN_TOKEN) return process.env.TIDE_ADMIN_TOKEN;
  const file = join(stateDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomToken(40);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** TIDE_HTTP_PORT (3000), else the next free one of the nine after it, else any. */
function apiPorts(): number[] {
  const first = Number(process.env.TIDE_HTTP_PORT ?? 3000);
  return [...Array.from({ length: 10 }, (_, i) => first + i), 0];
}

/** A stack already running from this state folder keeps its DynamoDB data; a second one keeps its own in memory. */
function otherStackPid(): number | undefined {
  const file = join(stateDir, 'stack.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid === process.pid ? undefined : pid;
  } catch {
    return undefined;
  }
}

function logFailure(name: string, error: unknown): void {
  console.error(`[${name}] ${error instanceof Error ? error.message : String(error)}`);
}

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const token = adminToken();
  const declared = declaredConfig(root, stage);
  let lambda: LocalLambda | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  // The API's port is bound first and kept: requests wait until the functions are up.
  const api = await startHttpApi({
    routes: httpRoutes(declared.functions),
    invoke: (name, event) => (lambda as LocalLambda).invoke(name, event),
    ports: apiPorts(),
    ready,
    onError: logFailure,
  });

  const sharedState = otherStackPid();
  const buildDir = join(stateDir, 'build', String(process.pid));
  const [dynamodb, config, bundles] = await Promise.all([
    process.env.TIDE_DYNAMODB_ENDPOINT
      ? undefined
      : startDynamoDbLocal(sharedState === undefined ? { dataDir: join(stateDir, 'dynamodb') } : {}),
    resolvedConfig(root, stage, { ...process.env, TIDE_ADMIN_TOKEN: token, TIDE_ADMIN_TOKEN_SECRET: 'env:TIDE_ADMIN_TOKEN' }),
    bundleFunctions(root, declared, buildDir),
  ]);
  const endpoint = process.env.TIDE_DYNAMODB_ENDPOINT ?? (dynamodb as LocalDynamoDb).endpoint;
  const tableName = config.functions[0]?.environment.TIDE_TABLE ?? `tide-${stage}`;
  await ensureTable(endpoint, tableName);

  const invokeApi = await startInvokeApi((name, event) => (lambda as LocalLambda).invoke(name, event), config.functions, logFailure);
  const region = process.env.AWS_REGION ?? config.region;
  // What Lambda sets, what only the local stack sets (serverless.yml says which), over this shell's environment.
  const environment = (fn: LocalFunction): Record<string, string> => ({
    ...(process.env as Record<string, string>),
    ...fn.environment,
    TIDE_DYNAMODB_ENDPOINT: endpoint,
    TIDE_LAMBDA_ENDPOINT: invokeApi.url,
    // Targets may name env: secrets and reach loopback only here; serverless.yml never sets it.
    TIDE_LOCAL: 'true',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    AWS_LAMBDA_FUNCTION_NAME: fn.deployedName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
  });
  lambda = startLambda(config.functions, bundles, environment);
  await lambda.warm();
  const stopSchedules = startSchedules(config, lambda, logFailure);
  // Functions with a function URL (TIDE_INGEST_FUNCTION_URL=true for ingest) get one each, on a free port.
  const functionUrls = new Map<string, HttpApiServer>();
  for (const fn of config.functions.filter((f) => f.functionUrl)) {
    functionUrls.set(fn.name, await startFunctionUrl({ functionName: fn.name, invoke: (name, event) => (lambda as LocalLambda).invoke(name, event), onError: logFailure }));
  }
  markReady();

  // The first stack owns .tide/: the CLI and the README keep talking to it.
  if (sharedState === undefined) {
    writeFileSync(join(stateDir, 'url'), `${api.url}\n`);
    for (const [name, server] of functionUrls) writeFileSync(join(stateDir, `${name}-url`), `${server.url}\n`);
    writeFileSync(join(stateDir, 'stack.pid'), `${process.pid}\n`);
  }
  const firstPort = apiPorts()[0];
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const notes = [
    api.port !== firstPort ? `Port ${firstPort} is taken (another Tide?), so this one serves on ${api.port}.` : '',
    sharedState !== undefined
      ? `Another Tide (pid ${sharedState}) owns ${stateDir}: this one keeps its data in memory, and ${join(stateDir, 'url')} still names the other; use TIDE_URL=${api.url} for the CLI.`
      : '',
    config.functions.some((fn) => fn.schedules.some((s) => !s.enabled)) ? 'The evaluator schedule is off (TIDE_EVALUATOR_SCHEDULE=false).' : '',
  ].filter(Boolean);
  process.stdout.write(
    `\nTide is running (ready in ${seconds} s).\n  API:         ${api.url}\n  Admin token: ${token}\n  DynamoDB:    ${endpoint} (table ${tableName})\n` +
      [...functionUrls].map(([name, server]) => `  ${`${name} URL:`.padEnd(12)} ${server.url} (its function URL)\n`).join('') +
      `  Lambda:      ${invokeApi.url} (the Invoke API)\n` +
      notes.map((note) => `  ${note}\n`).join('') +
      `Try: curl -s ${api.url}/v1/services -H "Authorization: Bearer $(cat ${join(stateDir, 'admin-token')})"\n\n`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    stopSchedules();
    if (sharedState === undefined) {
      rmSync(join(stateDir, 'url'), { force: true });
      rmSync(join(stateDir, 'stack.pid'), { force: true });
      for (const name of functionUrls.keys()) rmSync(join(stateDir, `${name}-url`), { force: true });
    }
    await Promise.all([api.close(), ...[...functionUrls.values()].map((server) => server.close()), invokeApi.close(), lambda?.stop()]);
    await dynamodb?.stop();
    rmSync(buildDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
