import { hostname } from 'node:os';
import * as z from 'zod';
import { parseDuration } from '../lib/duration';
import { durationString } from '../lib/durationSchema';
import type { DockerEndpoint } from './docker';
import type { LogLevel } from './log';
import { sanitizeName, type ServiceNaming } from './services';

export interface AgentConfig {
  tideUrl: string;
  agentKey: string;
  node: string;
  /** TIDE_INTERVAL: time between posts. */
  intervalMs: number;
  /** TIDE_SAMPLE_INTERVAL: time between readings of the containers. */
  sampleIntervalMs: number;
  naming: ServiceNaming;
  logLevel: LogLevel;
  docker: DockerEndpoint;
}

const DOCKER_HOST = /^(?:unix:\/\/(\/.+)|tcp:\/\/([^/:]+):(\d{1,5}))$/;

const env = z.object({
  TIDE_URL: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of Tide, such as https://tide.example.com' }),
  TIDE_AGENT_KEY: z.string({ error: 'must be set to an agent key (POST /v1/keys answers one)' }),
  TIDE_NODE: z.string().default(hostname),
  TIDE_INTERVAL: durationString
    .default('60s')
    .transform(parseDuration)
    // Past half an hour a failed post could not be tried again before its oldest minute is older than Tide accepts.
    .refine((ms) => ms >= 1000 && ms <= 1800_000, { error: 'must be from 1s to 30m' }),
  TIDE_SAMPLE_INTERVAL: durationString
    .default('10s')
    .transform(parseDuration)
    .refine((ms) => ms >= 1000 && ms <= 60_000, { error: 'must be from 1s to 1m' }),
  TIDE_SERVICE_LABEL: z.string().optional(),
  TIDE_SERVICE_FROM_NAME: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  TIDE_LOG_LEVEL: z
    .string()
    .transform((level) => level.toLowerCase())
    .pipe(z.enum(['debug', 'info', 'warn', 'error', 'silent'], { error: 'must be debug, info, warn, error or silent' }))
    .default('info'),
  DOCKER_HOST: z
    .string()
    .regex(DOCKER_HOST, { error: 'must be unix:///path/to/docker.sock or tcp://host:port' })
    .default('unix:///var/run/docker.sock'),
});

export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';
}

/** Reads the agent's settings from environment variables; throws one error naming every bad variable. */
export function loadAgentConfig(source: NodeJS.ProcessEnv = process.env): AgentConfig {
  // An empty variable (`-e TIDE_NODE=`) means "not set", as in most shells' defaults.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = env.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new AgentConfigError(`invalid agent configuration:\n${lines.join('\n')}`);
  }
  const vars = parsed.data;
  return {
    tideUrl: vars.TIDE_URL,
    agentKey: vars.TIDE_AGENT_KEY,
    node: sanitizeName(vars.TIDE_NODE),
    intervalMs: vars.TIDE_INTERVAL,
    sampleIntervalMs: vars.TIDE_SAMPLE_INTERVAL,
    naming: { ...(vars.TIDE_SERVICE_LABEL ? { serviceLabel: vars.TIDE_SERVICE_LABEL } : {}), fromName: vars.TIDE_SERVICE_FROM_NAME === 'true' },
    logLevel: vars.TIDE_LOG_LEVEL,
    docker: dockerEndpoint(vars.DOCKER_HOST),
  };
}

function dockerEndpoint(host: string): DockerEndpoint {
  const [, socketPath, tcpHost, port] = DOCKER_HOST.exec(host) ?? [];
  return socketPath ? { socketPath } : { host: tcpHost ?? '', port: Number(port) };
}
