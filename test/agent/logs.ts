import type { Level, Log } from '../../agent/log';

/** A log that keeps its lines, so tests can check what an operator would read. */
export function recordingLog() {
  const lines: Array<{ level: Level; message: string; fields: Record<string, unknown> }> = [];
  const log: Log = (level, message, fields = {}) => lines.push({ level, message, fields });
  return { log, lines };
}
