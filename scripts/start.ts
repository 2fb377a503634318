/**
 * `npm start`: Tide on this machine. DynamoDB Local (data kept in .tide/),
 * the table, and serverless-offline on 127.0.0.1 with every HTTP route and
 * the evaluator's schedule. Ctrl-C stops it all.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from '../lib/credentials/random';
import { ensureTable, freePort, startDynamoDbLocal, type LocalDynamoDb } from './local/dynamodb';

const root = join(import.meta.dirname, '..');
const stateDir = process.env.TIDE_STATE_DIR ?? join(root, '.tide');
const stage = 'local';
const tableName = `tide-${stage}`;

function adminToken(): string {
  if (process.env.TIDE_ADMIN_TOKEN) return process.env.TIDE_ADMIN_TOKEN;
  const file = join(stateDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomToken(40);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => void freePort().then(resolve));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  let dynamodb: LocalDynamoDb | undefined;
  let endpoint = process.env.TIDE_DYNAMODB_ENDPOINT;
  if (!endpoint) {
    dynamodb = await startDynamoDbLocal({ port: await portOr(8000), dataDir: join(stateDir, 'dynamodb') });
    endpoint = dynamodb.endpoint;
  }
  await ensureTable(endpoint, tableName);

  const token = adminToken();
  const httpPort = Number(process.env.TIDE_HTTP_PORT ?? (await portOr(3000)));
  const lambdaPort = Number(process.env.TIDE_LAMBDA_PORT ?? (await portOr(3002)));
  const url = `http://127.0.0.1:${httpPort}`;
  const offline = spawn(join(root, 'node_modules', '.bin', 'osls'), ['offline', 'start', '--stage', stage], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: {
      ...process.env,
      TIDE_DYNAMODB_ENDPOINT: endpoint,
      TIDE_ADMIN_TOKEN: token,
      TIDE_ADMIN_TOKEN_SECRET: 'env:TIDE_ADMIN_TOKEN',
      TIDE_HTTP_PORT: String(httpPort),
      TIDE_LAMBDA_PORT: String(lambdaPort),
      TIDE_API_URL: url,
      // The evaluator fans out to workers through serverless-offline's Lambda API.
      TIDE_LAMBDA_ENDPOINT: `http://127.0.0.1:${lambdaPort}`,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    },
  });
  let announced = false;
  const relay = (out: NodeJS.WriteStream) => (chunk: Buffer) => {
    out.write(chunk);
    if (!announced && chunk.toString().includes('Server ready')) {
      announced = true;
      process.stdout.write(
        `\nTide is running.\n  API:         ${url}\n  Admin token: ${token}\n  DynamoDB:    ${endpoint} (table ${tableName})\n` +
          `Try: curl -s -X POST ${url}/v1/keys -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' -d '{"namespace":"default","name":"worker1"}'\n\n`,
      );
    }
  };
  offline.stdout?.on('data', relay(process.stdout));
  offline.stderr?.on('data', relay(process.stderr));

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (offline.exitCode === null && offline.pid) {
      try {
        process.kill(-offline.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await dynamodb?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  offline.on('exit', (code) => void stop(code ?? 1));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
