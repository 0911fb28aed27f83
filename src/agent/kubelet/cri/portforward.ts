// A TCP connection opened inside a pod's network namespace, as the CRI's PortForward does
// (dockershim ran `nsenter -t PID -n socat - TCP4:localhost:PORT`; containerd dials
// localhost from inside the namespace): reaches ports the pod binds on 127.0.0.1 too.
// Both runtimes keep the pod's namespace under /run/netns/<name>.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { systemTool } from '../../../net/tools.js';
import type { SandboxRecord } from './sandbox.js';

export interface PodConnection {
  /** Bytes to and from the pod's port; ends when the pod closes its side. */
  stream: Duplex;
  /** Resolves once the connection is up; rejects with the dial error (e.g. connection refused). */
  connected: Promise<void>;
  close(): void;
}

/** Go's wording of a failed dial, which kubectl users know from real clusters. */
function dialError(port: number, socatLog: string): string {
  const why = /Connection refused/i.test(socatLog) ? 'connect: connection refused' : /timed out/i.test(socatLog) ? 'i/o timeout' : socatLog.trim().split('\n').at(-1) ?? 'failed';
  return `dial tcp4 127.0.0.1:${port}: ${why}`;
}

export function dialInSandbox(rec: SandboxRecord, port: number): PodConnection {
  // -d -d: socat says "starting data transfer loop" once connected. -t 1: once one direction ends, the
  // other gets a second before everything closes, as containerd's PortForward does (after socat's rule).
  const child = spawn(systemTool('nsenter'), [`--net=/run/netns/${rec.netns}`, '--', systemTool('socat'), '-d', '-d', '-t', '1', '-', `TCP4:127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let log = '';
  let settle: { ok: () => void; fail: (e: Error) => void } | undefined;
  const connected = new Promise<void>((ok, fail) => (settle = { ok, fail }));
  connected.catch(() => undefined);
  child.stderr.on('data', (d: Buffer) => {
    log += d.toString();
    if (/starting data transfer loop/.test(log)) settle?.ok();
  });
  child.on('error', (e) => settle?.fail(e));
  child.on('exit', () => settle?.fail(new Error(dialError(port, log))));
  child.stdin.on('error', () => undefined);
  const stream = new Duplex({
    allowHalfOpen: true,
    read() {
      child.stdout.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (child.stdin.destroyed) return cb();
      child.stdin.write(chunk, () => cb());
    },
    final(cb) {
      child.stdin.end();
      cb();
    },
    destroy(err, cb) {
      if (child.exitCode === null) child.kill('SIGKILL');
      cb(err);
    },
  });
  child.stdout.on('data', (d: Buffer) => {
    if (!stream.push(d)) child.stdout.pause();
  });
  child.stdout.on('end', () => stream.push(null));
  return { stream, connected, close: () => stream.destroy() };
}
