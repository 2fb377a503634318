export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogLevel = Level | 'silent';

/** One log line: what happened in operator words, plus the fields that say which container, batch or answer. */
export type Log = (level: Level, message: string, fields?: Record<string, unknown>) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** JSON lines on stdout, so `docker logs` and log shippers read them as they are. */
export function jsonLines(minimum: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Log {
  return (level, message, fields = {}) => {
    if (RANK[level] < RANK[minimum]) return;
    write(`${JSON.stringify({ ts: new Date().toISOString(), level, msg: message, ...fields })}\n`);
  };
}

/** An error's message for a log field: fetch hides the useful part (ECONNREFUSED…) in `cause`. */
export function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
