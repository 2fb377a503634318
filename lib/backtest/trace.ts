import { ValidationError, type ProblemDetail } from '../errors';

const HEADER = 'minute,requests';
/** Enough to show what is wrong with a file without flooding the terminal. */
const MAX_PROBLEMS = 10;

/**
 * The requests of each minute in a `minute,requests` CSV, one row a minute. Minutes must follow
 * one another without gaps: a missing row would silently shift every later minute, so it is an
 * error rather than a zero. Throws a ValidationError naming the lines at fault.
 */
export function parseTrace(text: string): number[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();

  const header = lines[0]?.trim() ?? '';
  if (header !== HEADER) {
    throw new ValidationError([{ path: 'line 1', message: `must be the header "${HEADER}", found ${JSON.stringify(header)}` }], 'trace');
  }
  if (lines.length === 1) throw new ValidationError([{ path: 'line 2', message: 'the trace has no rows' }], 'trace');

  const requests: number[] = [];
  const problems: ProblemDetail[] = [];
  let expectedMinute: number | undefined;
  for (let i = 1; i < lines.length && problems.length < MAX_PROBLEMS; i++) {
    const problem = (message: string) => problems.push({ path: `line ${i + 1}`, message });
    const fields = (lines[i] ?? '').split(',').map((f) => f.trim());
    if (fields.length !== 2) {
      problem(`must have 2 fields (minute,requests), found ${fields.length}`);
      if (expectedMinute !== undefined) expectedMinute++;
      continue;
    }
    const [minuteText = '', requestsText = ''] = fields;
    const minute = /^\d+$/.test(minuteText) ? Number(minuteText) : Number.NaN;
    const count = /^\d+(\.\d+)?$/.test(requestsText) ? Number(requestsText) : Number.NaN;
    if (Number.isNaN(minute)) problem(`minute must be a whole number >= 0, found ${JSON.stringify(minuteText)}`);
    else if (expectedMinute !== undefined && minute !== expectedMinute) problem(`minute must be ${expectedMinute} (one row a minute, no gaps), found ${minute}`);
    if (Number.isNaN(count)) problem(`requests must be a number >= 0, found ${JSON.stringify(requestsText)}`);
    // Resume from the row's own minute, so one gap is reported once rather than on every later row.
    if (!Number.isNaN(minute)) expectedMinute = minute + 1;
    else if (expectedMinute !== undefined) expectedMinute++;
    requests.push(count);
  }
  if (problems.length > 0) throw new ValidationError(problems, 'trace');
  return requests;
}
