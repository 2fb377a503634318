/** An instant as SPEC.md writes it: ISO 8601 in UTC, with milliseconds. Apart from time.ts's schemas, for code that loads no zod. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();
