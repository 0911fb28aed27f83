// Finding and stopping a lab's processes, also when its supervisor is gone:
// every component carries SVCLAB_LAB=<name> in its environment, and SVCLAB_STATE_ROOT
// when its lab lives in another state root (a simulated machine's) than the default.
import fs from 'node:fs';
import { poll } from '../util/poll.js';
import { defaultStateRoot, stateRoot } from './state.js';

export function labProcesses(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let env: string;
    try {
      env = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    const m = /(?:^|\0)SVCLAB_LAB=([^\0]*)/.exec(env);
    // Labs of the same name under other state roots (other simulated machines) are not ours.
    const root = /(?:^|\0)SVCLAB_STATE_ROOT=([^\0]*)/.exec(env)?.[1] ?? defaultStateRoot;
    if (m && root === stateRoot) out.set(m[1]!, [...(out.get(m[1]!) ?? []), pid]);
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitGone(pids: number[], ms: number): Promise<boolean> {
  return (await poll(() => pids.every((p) => !alive(p)), { timeoutMs: ms, everyMs: 20 })) ?? false;
}

export function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      /* gone */
    }
  }
}

/**
 * The process that runs `exe` at or below pid, breadth first: a component itself, or for a docker
 * node's agent the node process under its guard shell and nsenter (not the pods it started).
 */
export function programPid(pid: number, exe: string): number | undefined {
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    try {
      if (fs.readlinkSync(`/proc/${p}/exe`) === exe) return p;
      queue.push(...fs.readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number));
    } catch {
      /* gone */
    }
  }
  return undefined;
}
