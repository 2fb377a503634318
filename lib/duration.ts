// Durations as documents write them ("30s", "10m", "1h30m"): parsing and formatting. Their
// schemas are in lib/durationSchema.ts, so that importing these loads no zod.
export { formatDuration, parseDuration } from './durationText';
