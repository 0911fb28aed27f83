// Waiting for something to become true: the one poll loop (source and tests).
import { setTimeout as sleepMs } from 'node:timers/promises';

/** What an attempt returns: a value when done, undefined or false when not yet. */
type Attempt<T> = T | undefined | false;

interface PollOptions {
  timeoutMs: number;
  /** The pause between attempts (default 50 ms). */
  everyMs?: number;
  /** An attempt that throws counts as "not yet" (default: the error ends the poll). */
  retryErrors?: boolean;
}

export function sleep(ms: number): Promise<void> {
  return sleepMs(ms);
}

async function run<T>(fn: () => Attempt<T> | Promise<Attempt<T>>, o: PollOptions): Promise<{ value?: T; lastError?: unknown }> {
  const deadline = Date.now() + o.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return { value: v };
    } catch (e) {
      if (!o.retryErrors) throw e;
      lastError = e;
    }
    const left = deadline - Date.now();
    if (left <= 0) return { lastError };
    await sleepMs(Math.min(o.everyMs ?? 50, left));
  }
}

/** Calls fn until it returns a value (not undefined or false), at least once and once more at the deadline; undefined when time ran out. */
export async function poll<T>(fn: () => Attempt<T> | Promise<Attempt<T>>, o: PollOptions): Promise<T | undefined> {
  return (await run(fn, o)).value;
}

/** poll, retrying errors, that throws "timed out after N ms waiting for <what>" (with the last error) when time runs out. */
export async function waitFor<T>(what: string, fn: () => Attempt<T> | Promise<Attempt<T>>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const { value, lastError } = await run(fn, { timeoutMs, everyMs, retryErrors: true });
  if (value !== undefined) return value;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}
