import { describe, expect, it } from 'vitest';
import { parseTrace } from '../../lib/backtest';
import { ValidationError } from '../../lib/errors';

function problems(text: string): string[] {
  try {
    parseTrace(text);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return (error.details ?? []).map((p) => `${p.path}: ${p.message}`);
  }
}

describe('Function: parseTrace', () => {
  it.each([
    { name: 'one row a minute', text: 'minute,requests\n0,42\n1,62\n2,0\n', requests: [42, 62, 0] },
    { name: 'no newline at the end', text: 'minute,requests\n0,42\n1,62', requests: [42, 62] },
    { name: 'Windows line endings and a byte-order mark', text: '\uFEFFminute,requests\r\n0,42\r\n1,62\r\n', requests: [42, 62] },
    { name: 'a trace that starts later than minute 0', text: 'minute,requests\n100,3\n101,4\n', requests: [3, 4] },
    { name: 'fractional requests, as a resampled trace has', text: 'minute,requests\n0,1.5\n', requests: [1.5] },
  ])('reads $name', ({ text, requests }) => {
    expect(parseTrace(text)).toEqual(requests);
  });

  it.each([
    { name: 'an empty file', text: '', problems: ['line 1: must be the header "minute,requests", found ""'] },
    { name: 'another header', text: 'time,count\n0,1\n', problems: ['line 1: must be the header "minute,requests", found "time,count"'] },
    { name: 'a header and no rows', text: 'minute,requests\n', problems: ['line 2: the trace has no rows'] },
    { name: 'a missing minute', text: 'minute,requests\n0,1\n1,1\n3,1\n4,1\n', problems: ['line 4: minute must be 2 (one row a minute, no gaps), found 3'] },
    { name: 'a repeated minute', text: 'minute,requests\n0,1\n0,1\n', problems: ['line 3: minute must be 1 (one row a minute, no gaps), found 0'] },
    { name: 'negative requests', text: 'minute,requests\n0,-5\n', problems: ['line 2: requests must be a number >= 0, found "-5"'] },
    { name: 'a word for requests', text: 'minute,requests\n0,many\n', problems: ['line 2: requests must be a number >= 0, found "many"'] },
    { name: 'a fractional minute', text: 'minute,requests\n0.5,1\n', problems: ['line 2: minute must be a whole number >= 0, found "0.5"'] },
    { name: 'a missing field', text: 'minute,requests\n0,1\n1\n', problems: ['line 3: must have 2 fields (minute,requests), found 1'] },
    { name: 'an extra field', text: 'minute,requests\n0,1,2\n', problems: ['line 2: must have 2 fields (minute,requests), found 3'] },
    { name: 'a blank line inside', text: 'minute,requests\n0,1\n\n2,1\n', problems: ['line 3: must have 2 fields (minute,requests), found 1'] },
  ])('refuses $name, naming the line', ({ text, problems: expected }) => {
    expect(problems(text)).toEqual(expected);
  });

  it('stops after 10 problems', () => {
    const text = `minute,requests\n${Array.from({ length: 50 }, (_, i) => `${i},x`).join('\n')}\n`;
    expect(problems(text)).toHaveLength(10);
  });
});
