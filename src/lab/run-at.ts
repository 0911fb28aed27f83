// Running a command at a place of a lab: a pod (through the API's exec, like
// kubectl exec) or one of the lab's hosts (node1.., outside, external, router:
// straight into its network namespace).
import { execa } from 'execa';
import type { Connection } from '../client/client.js';
import { exec } from '../client/exec.js';
import { hostArgv } from './hosts.js';

export type Where = { kind: 'pod'; namespace: string; name: string; container?: string; label: string } | { kind: 'host'; host: string; label: string };

export interface Ran {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface LabAccess {
  lab: string;
  /** The API, for exec into pods. */
  api: Connection;
  signal?: AbortSignal;
}

export async function runAt(at: LabAccess, where: Where, argv: string[], timeoutMs: number): Promise<Ran> {
  if (where.kind === 'host') {
    const [cmd, ...args] = hostArgv(at.lab, where.host, argv);
    const r = await execa(cmd!, args, { reject: false, timeout: timeoutMs, cancelSignal: at.signal, stripFinalNewline: false });
    return { exitCode: r.timedOut ? 124 : (r.exitCode ?? 1), stdout: String(r.stdout ?? ''), stderr: r.timedOut ? `timed out after ${timeoutMs} ms` : String(r.stderr ?? '') };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`exec in ${where.label} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const r = await Promise.race([exec({ ...at.api, namespace: where.namespace, pod: where.name, container: where.container, command: argv }), timeout]);
    if (r.error) throw new Error(`exec in ${where.label}: ${r.error}`);
    return r;
  } finally {
    clearTimeout(timer);
  }
}
