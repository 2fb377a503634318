import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config';

const required = { TIDE_URL: 'https://tide.example.com', TIDE_AGENT_KEY: 'tide_ak_x' };

describe('agent configuration', () => {
  it('needs only the URL and the key; everything else has a default', () => {
    expect(loadAgentConfig(required)).toEqual({
      tideUrl: 'https://tide.example.com',
      agentKey: 'tide_ak_x',
      node: hostname().replace(/[^A-Za-z0-9_.:/-]/g, '_'),
      intervalMs: 60_000,
      sampleIntervalMs: 10_000,
      naming: { fromName: false },
      logLevel: 'info',
      docker: { socketPath: '/var/run/docker.sock' },
    });
  });

  it('reads every variable', () => {
    const config = loadAgentConfig({
      ...required,
      TIDE_NODE: 'worker 1',
      TIDE_INTERVAL: '30s',
      TIDE_SAMPLE_INTERVAL: '5s',
      TIDE_SERVICE_LABEL: 'tide.service',
      TIDE_SERVICE_FROM_NAME: 'true',
      TIDE_LOG_LEVEL: 'DEBUG',
      DOCKER_HOST: 'tcp://127.0.0.1:2375',
    });
    expect(config).toMatchObject({
      node: 'worker_1',
      intervalMs: 30_000,
      sampleIntervalMs: 5_000,
      naming: { serviceLabel: 'tide.service', fromName: true },
      logLevel: 'debug',
      docker: { host: '127.0.0.1', port: 2375 },
    });
  });

  it('takes an empty variable as unset', () => {
    expect(loadAgentConfig({ ...required, TIDE_NODE: '', TIDE_INTERVAL: '' })).toMatchObject({ intervalMs: 60_000 });
  });

  it('names every bad variable in one error', () => {
    const attempt = () =>
      loadAgentConfig({
        TIDE_URL: 'tide.example.com',
        TIDE_INTERVAL: '10 seconds',
        TIDE_SERVICE_FROM_NAME: 'yes',
        TIDE_SAMPLE_INTERVAL: '2m',
        DOCKER_HOST: '/var/run/docker.sock',
      });
    expect(attempt).toThrowError(
      [
        'invalid agent configuration:',
        '  TIDE_URL: must be the http(s) URL of Tide, such as https://tide.example.com',
        '  TIDE_AGENT_KEY: must be set to an agent key (POST /v1/keys answers one)',
        '  TIDE_INTERVAL: must be a duration such as "30s", "10m" or "1h"',
        '  TIDE_SAMPLE_INTERVAL: must be from 1s to 1m',
        '  TIDE_SERVICE_FROM_NAME: must be true or false',
        '  DOCKER_HOST: must be unix:///path/to/docker.sock or tcp://host:port',
      ].join('\n'),
    );
  });

  it('refuses an interval under a second', () => {
    expect(() => loadAgentConfig({ ...required, TIDE_INTERVAL: '500ms' })).toThrowError('TIDE_INTERVAL: must be from 1s to 30m');
    expect(() => loadAgentConfig({ ...required, TIDE_INTERVAL: '2h' })).toThrowError('TIDE_INTERVAL: must be from 1s to 30m');
    expect(() => loadAgentConfig({ ...required, TIDE_SAMPLE_INTERVAL: '500ms' })).toThrowError('TIDE_SAMPLE_INTERVAL: must be from 1s to 1m');
  });
});
