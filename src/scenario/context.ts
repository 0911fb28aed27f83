// What a running step can reach: the lab, its API, the scenario's defaults.
import type { ApiClient, Connection } from '../client/client.js';
import type { LabPlan } from '../lab/plan.js';
import type { Check, Duration, Step } from './model.js';

export interface Outcome {
  checks: Check[];
  details: string[];
  /** Called once when the step has finally failed: the relevant endpoints and rules. */
  diagnose?: () => Promise<string[]>;
}

export interface Attempted {
  passed: boolean;
  ms: number;
  attempts: number;
  outcome: Outcome;
}

export interface Ctx {
  lab: string;
  plan: LabPlan;
  /** The lab admin's connection to the API. */
  api: Connection;
  client: ApiClient;
  namespace: string;
  /** The scenario file's directory (manifest files are relative to it). */
  dir: string;
  signal: AbortSignal;
  /** Runs a check step, retrying until it passes or withinMs has gone by. */
  check(step: Step, withinMs: number): Promise<Attempted>;
  /** Service ports a rules step has seen, by "ns/service:port", so a later check still knows a removed port's number. */
  seenPorts: Map<string, { name?: string; port: number; protocol?: string }>;
}

export function durationMs(d: Duration | undefined, fallbackMs: number): number {
  if (d === undefined) return fallbackMs;
  if (typeof d === 'number') return d * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`bad duration "${d}"`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export class Aborted extends Error {}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Aborted('interrupted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Aborted('interrupted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function check(what: string, expected: string, seen: string, ok: boolean): Check {
  return { what, expected, seen, ok };
}
