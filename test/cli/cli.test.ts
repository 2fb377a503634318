import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main';
import { tideCli } from '../support/cli';
import { freshNamespace } from '../support/client';
import { startHttpTarget } from '../support/fakeHttpTarget';
import { httpApiForTests } from '../support/httpApi';
import { closedPortUrl, listenOnLoopback, stopServer } from '../support/loopback';
import { agentFor } from '../support/metricsFeed';

const api = httpApiForTests();
const tide = tideCli(api);

describe('the tide CLI', () => {
  it('applies a service, evaluates it, shows status and history, and scales it by hand', async () => {
    const ns = freshNamespace();
    const platform = await startHttpTarget(2);
    const file = join(mkdtempSync(join(tmpdir(), 'tide-cli-')), 'myweb.json');
    writeFileSync(
      file,
      JSON.stringify({
        service: 'myweb',
        min: 1,
        max: 6,
        target: { provider: 'http', url: platform.url },
        policy: { rules: [{ type: 'threshold', metric: 'cpu_ratio', scaleOutAbove: 70, outDuration: '2m', increaseBy: 2 }] },
      }),
    );
    expect(await tide('-n', ns, 'apply', '-f', file)).toMatchObject({ code: 0, out: 'service myweb applied (auto, 1-6 replicas, http)' });
    await (await agentFor(api.url, ns))('myweb', [90]);

    const evaluated = await tide('-n', ns, 'evaluate');
    expect(evaluated.code).toBe(0);
    expect(evaluated.out).toMatch(/myweb\s+applied\s+2 → 4\s+cpu_ratio mean 90 > 70 for 2m/);

    const status = await tide('-n', ns, 'status');
    expect(status.out.split('\n')[1]).toMatch(/^myweb\s+auto\s+http\s+4\s+1-6\s+cpu_ratio mean 90/);

    expect((await tide('-n', ns, 'scale', 'myweb', '3', '--reason', 'release')).out).toBe('myweb: 4 → 3 applied');
    const history = await tide('-n', ns, 'events', 'myweb');
    expect(history.out.split('\n').slice(1)).toEqual([
      expect.stringMatching(/manual\s+4 → 3\s+applied\s+release$/),
      expect.stringMatching(/policy\s+2 → 4\s+applied\s+cpu_ratio mean 90/),
    ]);
    await platform.close();
  });

  it('says what the API refused, naming the field, and exits 1', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tide-cli-')), 'bad.json');
    writeFileSync(file, JSON.stringify({ service: 'bad', min: 3, max: 1, target: { provider: 'sim', offeredLoad: 1, capacityPerReplica: 1 }, mode: 'manual' }));
    const answer = await tide('-n', freshNamespace(), 'apply', '-f', file);
    expect(answer.code).toBe(1);
    expect(answer.err).toBe('tide: 1 problem in request body\n  min: min must not exceed max');
  });

  it('creates, lists and revokes agent keys', async () => {
    const ns = freshNamespace();
    const created = await tide('-n', ns, 'keys', 'create', 'worker9');
    const id = /agent key (\S+) for namespace/.exec(created.out)?.[1];
    expect(created.out).toMatch(/tide_ak_/);
    expect((await tide('keys', 'list')).out).toContain(`${id}  ${ns}`);
    expect((await tide('keys', 'revoke', id ?? '')).out).toBe(`agent key ${id} revoked`);
    expect((await tide('keys', 'list')).out).not.toContain(`${id}`);
  });

  it('exits 2 with the usage for an unknown command or missing arguments', async () => {
    expect(await tide('frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining('unknown command frobnicate') });
    expect(await tide('scale', 'myweb')).toMatchObject({ code: 2, err: expect.stringContaining('missing REPLICAS') });
  });
});

describe('tide backtest', () => {
  it('replays a trace on the engine without the API, and exits 2 naming a bad flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tide-cli-'));
    const trace = join(dir, 'trace.csv');
    writeFileSync(trace, ['minute,requests', ...Array.from({ length: 10 }, (_, m) => `${m},${m < 3 ? 5 : 30}`)].join('\n'));
    const out: string[] = [];
    expect(await run(['backtest', '--trace', trace, '--capacity', '10'], {}, (l) => out.push(l), () => undefined)).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ minutes: 10, peakLoad: 30, staticPeakReplicas: 3 });
    const err: string[] = [];
    expect(await run(['backtest', '--trace', trace, '--capacity', 'lots'], {}, () => undefined, (l) => err.push(l))).toBe(2);
    expect(err.join('\n')).toContain('--capacity');
  });
});

describe('where the CLI finds Tide', () => {
  // A stand-in admin API: an empty service list, a web page for anything else; it notes who asked what.
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    if (req.url?.startsWith('/v1/services?')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}');
    else res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not Found</html>');
  });
  let fakeUrl: string;
  beforeAll(async () => {
    fakeUrl = await listenOnLoopback(server);
  });
  afterAll(() => stopServer(server));

  /** A state dir as `npm start` leaves it. */
  function stateDir(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'tide-state-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  async function tideWith(env: NodeJS.ProcessEnv, ...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(argv, env, (l) => out.push(l), (l) => err.push(l));
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const HEADER = 'SERVICE  MODE  TARGET  REPLICAS  MIN-MAX  LAST DECISION';

  it('talks to the URL npm start wrote to its state dir, with the token it keeps there', async () => {
    const dir = stateDir({ url: `${fakeUrl}\n`, 'admin-token': 'local-token\n' });
    expect(await tideWith({ TIDE_STATE_DIR: dir }, 'status')).toEqual({ code: 0, out: HEADER, err: '' });
    expect(seen).toContain('GET /v1/services?namespace=default Bearer local-token');
  });

  it('prefers TIDE_URL to the state dir', async () => {
    const dir = stateDir({ url: `${await closedPortUrl()}\n`, 'admin-token': 'local-token' });
    expect(await tideWith({ TIDE_STATE_DIR: dir, TIDE_URL: fakeUrl }, 'status')).toEqual({ code: 0, out: HEADER, err: '' });
  });

  it('names the URL it could not reach and where that URL came from, and exits 1', async () => {
    const closed = await closedPortUrl();
    expect(await tideWith({ TIDE_URL: closed, TIDE_ADMIN_TOKEN: 't' }, 'status')).toEqual({
      code: 1,
      out: '',
      err: `tide: cannot reach Tide at ${closed} (connection refused, from TIDE_URL): is Tide running there? check TIDE_URL`,
    });
    const dir = stateDir({ url: closed, 'admin-token': 't' });
    expect(await tideWith({ TIDE_STATE_DIR: dir }, 'status')).toMatchObject({
      code: 1,
      err: `tide: cannot reach Tide at ${closed} (connection refused, from ${join(dir, 'url')}): is \`npm start\` running? set TIDE_URL to choose another`,
    });
  });

  it('says so when what answers at the URL is not Tide', async () => {
    expect(await tideWith({ TIDE_URL: fakeUrl, TIDE_ADMIN_TOKEN: 't' }, 'status', 'myweb')).toMatchObject({
      code: 1,
      err: `tide: ${fakeUrl} answered GET /v1/services/myweb with HTTP 404 and no JSON ("<html>Not Found</html>", from TIDE_URL): is Tide running there? check TIDE_URL`,
    });
  });

  it('exits 2 naming TIDE_URL when it is not an http URL, and asks nothing', async () => {
    const before = seen.length;
    expect(await tideWith({ TIDE_URL: '127.0.0.1:3000', TIDE_ADMIN_TOKEN: 't' }, 'status')).toEqual({
      code: 2,
      out: '',
      err: 'the URL in TIDE_URL must be an http:// or https:// URL',
    });
    expect(seen.length).toBe(before);
  });
});
