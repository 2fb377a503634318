/**
 * `npm run swarm`: a throwaway Docker Engine in single-node Swarm mode on this
 * machine (root, Debian's docker.io and busybox-static), for pointing a local
 * Tide and its agent at. Writes what a shell needs to reach it to
 * `.tide/swarm.env`. Ctrl-C removes it all: services, swarm, daemon, files.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX_IMAGE, engineUnavailable, startDockerEngine, swarmEnv } from './local/dockerEngine';

const stateDir = process.env.TIDE_STATE_DIR ?? join(process.cwd(), '.tide');
const envFile = join(stateDir, 'swarm.env');

async function main(): Promise<void> {
  const unavailable = engineUnavailable();
  if (unavailable) {
    process.stderr.write(`swarm: cannot start a Docker Engine here: ${unavailable}\n`);
    process.exit(1);
  }
  // Listening before the engine starts, so a Ctrl-C during its start-up still removes it once it is up;
  // and for good, since tsx passes the terminal's SIGINT on a second time.
  const stopped = new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  const engine = await startDockerEngine();
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(envFile, swarmEnv(engine), { mode: 0o600 });
  process.stdout.write(
    [
      `swarm: a Docker Engine in Swarm mode, everything in ${engine.dir}`,
      `  socket:   ${engine.socket}   (DOCKER_HOST for the docker CLI and the agent)`,
      `  TCP API:  ${engine.tcp}   (TLS; client certificate in ${engine.client.dir})`,
      `  image:    ${BUSYBOX_IMAGE}   (busybox, no registry: create services with --no-resolve-image)`,
      `  source ${envFile} for DOCKER_HOST, SWARM_SOCKET, SWARM_TCP and TIDE_SWARM_TLS (the client certificate as a swarm target's env: secret)`,
      'Ctrl-C removes the services, the swarm and the engine.',
      '',
    ].join('\n'),
  );
  await stopped;
  process.stdout.write('\nswarm: removing the services, the swarm and the engine\n');
  rmSync(envFile, { force: true });
  await engine.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`swarm: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
