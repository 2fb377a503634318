import { setTimeout as wait } from 'node:timers/promises';

/** Waits `ms`, or less when `signal` aborts; never rejects, so a shutdown simply ends the wait. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const sleep: Sleep = (ms, signal) => wait(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
