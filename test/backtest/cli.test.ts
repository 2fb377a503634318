import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../lib/backtest/command';
import { InputError, parseFlags } from '../../lib/backtest/flags';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'tide-backtest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeTemp(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const trace = writeTemp('step.csv', `minute,requests\n${[5, 5, 5, 30, 30, 30, 30, 5].map((r, i) => `${i},${r}`).join('\n')}\n`);

function backtest(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/backtest.ts', ...args], { cwd: root, env: { ...process.env, NODE_NO_WARNINGS: '1' } }, (_error, stdout, stderr) =>
      resolve({ status: child.exitCode, stdout, stderr }),
    );
  });
}

describe('Function: parseFlags', () => {
  it('reads every flag, with a 60s start-up delay by default', () => {
    expect(parseFlags(['--trace', 't.csv', '--capacity', '50'])).toEqual({ help: false, trace: 't.csv', capacity: 50, startupDelayMs: 60_000, tune: false, holdout: false });
    expect(
      parseFlags(['--trace', 't.csv', '--capacity', '2.5', '--policy', 'p.json', '--startup-delay', '2m30s', '--initial-replicas', '0', '--series', 's.csv', '--chart', 'c.svg']),
    ).toEqual({ help: false, trace: 't.csv', capacity: 2.5, policy: 'p.json', startupDelayMs: 150_000, initialReplicas: 0, series: 's.csv', chart: 'c.svg', tune: false, holdout: false });
    expect(parseFlags(['--trace', 't.csv', '--capacity', '50', '--tune', '--out', 'tuned.json'])).toMatchObject({ tune: true, holdout: false, out: 'tuned.json' });
    expect(parseFlags(['--trace', 't.csv', '--capacity', '50', '--tune', '--holdout'])).toMatchObject({ tune: true, holdout: true });
    expect(parseFlags(['--trace', 't.csv', '--capacity', '50', '--tune', '--action-cost', '2.5'])).toMatchObject({ tune: true, actionCost: 2.5 });
    expect(parseFlags(['--help'])).toEqual({ help: true });
  });

  it.each([
    { name: 'no --trace', args: ['--capacity', '10'], message: '--trace is required: the CSV file of requests per minute' },
    { name: 'no --capacity', args: ['--trace', 't.csv'], message: '--capacity is required: the requests a minute one replica serves at 100% CPU' },
    { name: 'a capacity of 0', args: ['--trace', 't.csv', '--capacity', '0'], message: '--capacity must be a number > 0, got "0"' },
    { name: 'a capacity that is not a number', args: ['--trace', 't.csv', '--capacity', 'lots'], message: '--capacity must be a number > 0, got "lots"' },
    { name: 'a bad start-up delay', args: ['--trace', 't.csv', '--capacity', '10', '--startup-delay', '1 minute'], message: '--startup-delay "1 minute" must be a duration such as "30s", "10m" or "1h"' },
    { name: 'fractional initial replicas', args: ['--trace', 't.csv', '--capacity', '10', '--initial-replicas', '1.5'], message: '--initial-replicas must be a whole number >= 0, got "1.5"' },
    { name: '--holdout without --tune', args: ['--trace', 't.csv', '--capacity', '10', '--holdout'], message: '--holdout is for --tune: it tunes on the first half and checks on the second' },
    { name: '--out without --tune', args: ['--trace', 't.csv', '--capacity', '10', '--out', 'x.json'], message: '--out is for --tune: it writes the tuned policy' },
    {
      name: '--action-cost without --tune',
      args: ['--trace', 't.csv', '--capacity', '10', '--action-cost', '5'],
      message: '--action-cost is for --tune: it weighs scaling actions against replica-minutes in the search',
    },
    { name: 'an action cost that is not a number', args: ['--trace', 't.csv', '--capacity', '10', '--tune', '--action-cost', 'ten'], message: '--action-cost must be a number of replica-minutes >= 0, got "ten"' },
    {
      name: '--tune with --series',
      args: ['--trace', 't.csv', '--capacity', '10', '--tune', '--series', 's.csv'],
      message: '--series, --chart and --initial-replicas replay one policy: give them without --tune, with --policy the tuned file',
    },
    { name: 'an unknown flag', args: ['--trace', 't.csv', '--capacity', '10', '--capcity', '5'], message: expect.stringContaining("Unknown option '--capcity'") },
    { name: 'a flag without its value', args: ['--trace'], message: expect.stringContaining("Option '--trace <value>' argument missing") },
  ])('refuses $name, naming the flag', ({ args, message }) => {
    expect(() => parseFlags(args)).toThrow(InputError);
    expect(() => parseFlags(args)).toThrow(expect.objectContaining({ message }));
  });
});

describe('npm run backtest', () => {
  it('prints the summary as JSON with the default policy, and writes the series and the chart', async () => {
    const series = join(dir, 'series.csv');
    const chart = join(dir, 'chart.svg');
    const run = await backtest('--trace', trace, '--capacity', '10', '--series', series, '--chart', chart);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ minutes: 8, peakLoad: 30, staticPeakReplicas: 3, startupDelay: '1m' });
    expect(readFileSync(series, 'utf8').split('\n')).toHaveLength(1 + 8 + 1);
    expect(readFileSync(chart, 'utf8')).toMatch(/^<svg [^]*<\/svg>\n$/);
  });

  it('with --tune, prints the baseline and the tuned figures side by side on the whole trace and each half, and writes a policy --policy replays', async () => {
    const long = writeTemp('long.csv', `minute,requests\n${Array.from({ length: 120 }, (_, m) => `${m},${20 + ((m * 7919) % 23) + (m % 45 < 3 ? 60 : 0)}`).join('\n')}\n`);
    const tuned = join(dir, 'tuned.json');
    const out: string[] = [];
    expect(await backtestCommand(['--trace', long, '--capacity', '10', '--tune', '--out', tuned], (text) => out.push(text), () => undefined)).toBe(0);
    const printed = JSON.parse(out.join(''));
    expect(printed).toMatchObject({ capacity: 10, startupDelay: '1m', tunedOn: 'whole trace', policy: JSON.parse(readFileSync(tuned, 'utf8')) });
    expect([printed.wholeTrace.minutes, printed.firstHalf.minutes, printed.secondHalf.minutes]).toEqual([120, 60, 60]);
    // Without --policy the baseline is the HPA-style examples/policy-hpa.json, not the default load rule.
    const hpa: string[] = [];
    expect(await backtestCommand(['--trace', long, '--capacity', '10', '--policy', join(root, 'examples', 'policy-hpa.json')], (text) => hpa.push(text), () => undefined)).toBe(0);
    expect(JSON.parse(hpa.join(''))).toMatchObject(printed.wholeTrace.baseline);
    expect(Object.keys(printed.secondHalf)).toEqual(['minutes', 'baseline', 'tuned']);
    const replay: string[] = [];
    expect(await backtestCommand(['--trace', long, '--capacity', '10', '--policy', tuned], (text) => replay.push(text), () => undefined)).toBe(0);
    expect(JSON.parse(replay.join(''))).toMatchObject({ replicaMinutes: printed.wholeTrace.tuned.replicaMinutes, scalingActions: printed.wholeTrace.tuned.scalingActions });
  });

  it('with --tune --holdout, tunes on the first half and says so', async () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(await backtestCommand(['--trace', trace, '--capacity', '10', '--tune', '--holdout'], (text) => out.push(text), (text) => err.push(text))).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ tunedOn: 'first half', firstHalf: { minutes: 4 }, secondHalf: { minutes: 4 } });
    expect(err.join('\n')).toContain('best on the first half:');
  });

  it('exits 2 on a bad file, naming the flag, the file and each problem', async () => {
    const policy = writeTemp('bad.json', '{"min": 3, "max": 2, "policy": {"rules": []}}');
    const run = await backtest('--trace', trace, '--capacity', '10', '--policy', policy);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`backtest: --policy ${policy}: 2 problems in policy file\n  policy.rules: a policy needs at least one rule\n  min: min must not exceed max`);
    expect(run.stderr).toContain('usage: npm run backtest');
  });

  it("bounds a policy's windows as its deployment would: 24h of metrics unless TIDE_RETENTION_SECONDS keeps more", async () => {
    const policy = writeTemp('two-days.json', JSON.stringify({ min: 1, max: 5, policy: { rules: [{ type: 'target', metric: 'cpu_ratio', target: 60, window: '48h' }] } }));
    const run = async () => {
      const err: string[] = [];
      return { code: await backtestCommand(['--trace', trace, '--capacity', '10', '--policy', policy], () => undefined, (text) => err.push(text)), err: err.join('') };
    };
    expect(await run()).toEqual({ code: 2, err: expect.stringContaining('policy.rules[0].window: must be at most 24h: metrics are kept 24h (TIDE_RETENTION_SECONDS)') });
    process.env.TIDE_RETENTION_SECONDS = String(7 * 24 * 3600);
    try {
      expect(await run()).toEqual({ code: 0, err: '' });
    } finally {
      delete process.env.TIDE_RETENTION_SECONDS;
    }
  });
});
