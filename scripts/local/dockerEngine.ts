/**
 * A real Docker Engine in single-node Swarm mode, thrown away afterwards:
 * `npm run swarm` for a developer, test/swarm/ for the tests. Everything it
 * writes lives in one temp folder (data, exec root, sockets, certificates);
 * it listens on a unix socket and on 127.0.0.1 only (the TCP API with TLS and
 * client certificates, Swarm's own ports on loopback), and it never reaches
 * a registry: its one image is built from this machine's static busybox.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './dynamodb';

/** The image every service here runs: busybox and its applets, imported without a registry. */
export const BUSYBOX_IMAGE = 'tide-test/busybox:1';

const BUSYBOX = '/bin/busybox';
/** dockerd writes its identity here whatever its data root; removed again when this engine created it. */
const DAEMON_KEY = '/etc/docker/key.json';
/** Folders dockerd and its containerd make on the host, outside the data root; removed when empty and ours. */
const HOST_DIRS = ['/run/docker/plugins', '/run/docker', '/run/containerd/s', '/run/containerd', '/etc/docker'];
const GATEWAY_BRIDGE = 'docker_gwbridge';
const START_TIMEOUT_MS = 30_000;

export interface ClientCertificate {
  /** Docker's DOCKER_CERT_PATH layout: ca.pem, cert.pem, key.pem. */
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

export interface DockerEngine {
  dir: string;
  /** `unix:///…/docker.sock`: DOCKER_HOST for the agent and the docker CLI, and a swarm target's endpoint. */
  socket: string;
  /** `tcp://127.0.0.1:PORT`: the Engine API with TLS, which accepts only `client`'s certificate. */
  tcp: string;
  client: ClientCertificate;
  /** The docker CLI against this engine's socket; resolves with its stdout, rejects with its stderr. */
  docker(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Why no engine can start on this machine, or undefined when one can. */
export function engineUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'dockerd needs root';
  for (const [command, pkg] of [
    ['dockerd', 'docker.io'],
    ['docker', 'docker.io'],
  ] as const) {
    if (spawnSync(command, ['--version']).status !== 0) return `${command} is not installed: apt-get install ${pkg} busybox-static`;
  }
  if (!isStatic(BUSYBOX)) return `${BUSYBOX} is missing or not statically linked: apt-get install busybox-static`;
  return undefined;
}

/** dockerd on a unix socket and 127.0.0.1, a one-node swarm, and the busybox image: about 5 s. */
export async function startDockerEngine(): Promise<DockerEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'tide-docker-'));
  const createdKey = !existsSync(DAEMON_KEY);
  const createdBridge = !existsSync(`/sys/class/net/${GATEWAY_BRIDGE}`);
  const createdDirs = HOST_DIRS.filter((path) => !existsSync(path));
  const socketPath = join(dir, 'docker.sock');
  const port = await freePort();
  const { server, client } = issueEngineCertificates(join(dir, 'certs'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Without it every task start asks the registry for the image's digest, a DNS lookup off this machine.
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1',
    DOCKER_HOST: `unix://${socketPath}`,
    // The CLI's own config stays here, not in the user's ~/.docker.
    DOCKER_CONFIG: join(dir, 'cli'),
  };
  for (const name of ['DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONTEXT']) delete env[name];
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  const daemon: ChildProcess = spawn(
    'dockerd',
    [
      `--host=unix://${socketPath}`,
      `--host=tcp://127.0.0.1:${port}`,
      '--tlsverify',
      `--tlscacert=${join(server.dir, 'ca.pem')}`,
      `--tlscert=${join(server.dir, 'cert.pem')}`,
      `--tlskey=${join(server.dir, 'key.pem')}`,
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'docker.pid')}`,
      // No bridge and no iptables rules: the host's network stays as it was.
      '--iptables=false',
      '--bridge=none',
      '--shutdown-timeout=2',
    ],
    { env, stdio: ['ignore', log, log], detached: true },
  );
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  const docker = async (args: string[]) => (await promisify(execFile)('docker', args, { env, maxBuffer: 16 * 1024 * 1024 })).stdout;

  const stop = async () => {
    // Services first, so their containers stop before the daemon does; then the swarm, then dockerd itself.
    await docker(['service', 'rm', ...(await docker(['service', 'ls', '-q'])).split('\n').filter(Boolean)]).catch(() => undefined);
    await docker(['swarm', 'leave', '--force']).catch(() => undefined);
    if (daemon.exitCode === null && daemon.signalCode === null) {
      daemon.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), wait(20_000).then(() => false)]);
      if (!stopped) {
        daemon.kill('SIGKILL');
        await exited;
      }
    }
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    // swarm init bridges its routing mesh to the host through this interface.
    if (createdBridge) spawnSync('ip', ['link', 'delete', GATEWAY_BRIDGE]);
    if (createdKey) rmSync(DAEMON_KEY, { force: true });
    for (const path of createdDirs) removeIfEmpty(path);
  };

  try {
    await Promise.race([
      untilAnswers(socketPath),
      exited.then(() => {
        throw new Error(`dockerd exited at start:\n${tail(join(dir, 'dockerd.log'))}`);
      }),
    ]);
    await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', `127.0.0.1:${await freePort()}`]);
    await importBusybox(dir, env);
  } catch (error) {
    await stop();
    throw error;
  }
  return { dir, socket: `unix://${socketPath}`, tcp: `tcp://127.0.0.1:${port}`, client, docker, stop };
}

/**
 * A CA, a server certificate for 127.0.0.1 and a client certificate, as
 * Docker's "protect the daemon socket" guide makes them; both sides get the CA.
 */
function issueEngineCertificates(dir: string): { server: ClientCertificate; client: ClientCertificate } {
  mkdirSync(dir, { recursive: true });
  const ca = newCa(dir, 'tide-engine-ca');
  return {
    server: issue(dir, ca, 'server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth'),
    client: issue(dir, ca, 'client', 'extendedKeyUsage=clientAuth'),
  };
}

/** A client certificate from a CA of its own, which an engine started here refuses: for testing that refusal. */
export function strangerCertificate(dir: string, engineCa: string): ClientCertificate {
  mkdirSync(dir, { recursive: true });
  const stranger = issue(dir, newCa(dir, 'tide-stranger-ca'), 'stranger', 'extendedKeyUsage=clientAuth');
  // It trusts the engine (so the failure is the engine refusing it, not it refusing the engine).
  writeFileSync(join(stranger.dir, 'ca.pem'), engineCa);
  return { ...stranger, ca: engineCa };
}

/**
 * What a shell needs to reach the engine, as `source`-able lines: DOCKER_HOST
 * (the docker CLI, the agent), SWARM_SOCKET and SWARM_TCP (a swarm target's
 * endpoint) and TIDE_SWARM_TLS (the client certificate, for `env:TIDE_SWARM_TLS`).
 */
export function swarmEnv(engine: Pick<DockerEngine, 'socket' | 'tcp' | 'client'>): string {
  // Single quotes: the TLS secret is JSON, and nothing in it is for the shell to expand.
  return [
    `export DOCKER_HOST=${engine.socket}`,
    `export SWARM_SOCKET=${engine.socket}`,
    `export SWARM_TCP=${engine.tcp}`,
    `export TIDE_SWARM_TLS='${tlsSecret(engine.client)}'`,
    '',
  ].join('\n');
}

/** A swarm target's TLS secret (`credentials: "env:NAME"`): JSON with the PEM texts of ca.pem, cert.pem and key.pem. */
export function tlsSecret(certificate: ClientCertificate): string {
  return JSON.stringify({ ca: certificate.ca, cert: certificate.cert, key: certificate.key });
}

type Ca = { cert: string; key: string };

function openssl(args: string[]): void {
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
}

function newCa(dir: string, name: string): Ca {
  const ca = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ca.key, '-out', ca.cert, '-days', '2', '-subj', `/CN=${name}`]);
  return ca;
}

function issue(dir: string, ca: Ca, name: string, extensions: string): ClientCertificate {
  const out = join(dir, name);
  mkdirSync(out);
  const at = (file: string) => join(out, file);
  writeFileSync(at('extensions.cnf'), extensions);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', at('key.pem'), '-out', at('request.csr'), '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', at('request.csr'), '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2', '-out', at('cert.pem'), '-extfile', at('extensions.cnf')]);
  copyFileSync(ca.cert, at('ca.pem'));
  const read = (file: string) => readFileSync(at(file), 'utf8');
  return { dir: out, ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

/** A root filesystem of busybox and a link per applet, imported as an image: no registry needed. */
async function importBusybox(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const bin = join(dir, 'rootfs', 'bin');
  mkdirSync(bin, { recursive: true });
  copyFileSync(BUSYBOX, join(bin, 'busybox'));
  const applets = spawnSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).stdout.split('\n');
  for (const applet of applets) if (applet && applet !== 'busybox') symlinkSync('busybox', join(bin, applet));
  await promisify(execFile)('sh', ['-c', `tar -C '${join(dir, 'rootfs')}' -c . | docker import - ${BUSYBOX_IMAGE}`], { env });
}

/** Polls the daemon's `GET /_ping` until it answers OK. */
async function untilAnswers(socketPath: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ping(socketPath))) {
    if (Date.now() > deadline) throw new Error(`dockerd did not answer on ${socketPath} within ${START_TIMEOUT_MS / 1000} s`);
    await wait(100);
  }
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** What dockerd leaves mounted under its folders (network namespaces, overlay layers), deepest first. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const point of mounts) spawnSync('umount', ['-l', point]);
}

function removeIfEmpty(path: string): void {
  try {
    if (readdirSync(path).length === 0) rmdirSync(path);
  } catch {
    // Gone already, or another engine's folder now holds something: leave it.
  }
}

/** A statically linked ELF has no PT_INTERP program header (no dynamic loader): it runs in an empty root filesystem. */
function isStatic(path: string): boolean {
  let elf: Buffer;
  try {
    elf = readFileSync(path);
  } catch {
    return false;
  }
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

function tail(path: string): string {
  return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
}
