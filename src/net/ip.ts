// Thin helpers over iproute2. Commands are batched per namespace (`ip -n NS -batch -`)
// because one `ip` process per command would dominate `lab up` time.
import fs from 'node:fs';
import { CommandError, run } from './run.js';

/** Runs `ip [-n ns] -batch -` with one command per line; throws with the failing line. */
export async function ipBatch(lines: string[], netns?: string): Promise<void> {
  if (lines.length === 0) return;
  const args = [...(netns ? ['-n', netns] : []), '-batch', '-'];
  const r = await run('ip', args, { input: lines.join('\n') + '\n' });
  if (r.exitCode !== 0) throw new CommandError(`ip ${args.join(' ')}`, r);
}

export async function ip(args: string[], netns?: string): Promise<string> {
  const full = [...(netns ? ['-n', netns] : []), ...args];
  const r = await run('ip', full);
  if (r.exitCode !== 0) throw new CommandError(`ip ${full.join(' ')}`, r);
  return r.stdout;
}

export function listNetns(): string[] {
  try {
    return fs.readdirSync('/run/netns');
  } catch {
    return [];
  }
}

export async function netnsPids(name: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', name]);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** Writes sysctls inside a namespace (/proc/sys/net follows the caller's netns). */
export async function sysctls(netns: string, values: Record<string, string | number>): Promise<void> {
  const script = Object.entries(values)
    .map(([k, v]) => `echo ${v} > /proc/sys/${k.replaceAll('.', '/')}`)
    .join(' && ');
  const r = await run('ip', ['netns', 'exec', netns, 'sh', '-c', script]);
  if (r.exitCode !== 0) throw new CommandError(`sysctl in ${netns}`, r);
}

/** The argv prefix that runs a command inside a named network namespace, in the host's mount namespace. */
export function inNetns(netns: string): string[] {
  return ['nsenter', `--net=/run/netns/${netns}`, '--'];
}
