// A real etcd (Debian's etcd-server) on unix sockets in a temp dir, for the store
// tests and for API tests run with SVCLAB_TEST_STORE=etcd. No root needed.
import type { ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { etcdArgv, etcdEndpoint, etcdSockets } from '../../src/lab/etcd.js';

export interface TestEtcd {
  dir: string;
  endpoint: string;
  /** Stops etcd (SIGKILL: a crash) and resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same data. */
  start(): Promise<void>;
}

export async function startEtcd(t: ExecutionContext<unknown>): Promise<TestEtcd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-etcd-'));
  let child: ChildProcess | undefined;
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  };
  const start = async (): Promise<void> => {
    for (const f of etcdSockets(dir)) fs.rmSync(f, { force: true }); // left by a killed etcd, which the next one cannot bind
    const socket = etcdEndpoint(dir).slice('unix://'.length);
    const [cmd, ...args] = etcdArgv(dir);
    const log = fs.openSync(path.join(dir, 'etcd.log'), 'a');
    child = spawn(cmd!, args, { cwd: dir, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const until = Date.now() + 10_000;
    while (!fs.existsSync(socket)) {
      if (Date.now() > until || child.exitCode !== null) throw new Error(`etcd did not start: ${fs.readFileSync(path.join(dir, 'etcd.log'), 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  t.teardown(async () => {
    await kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await start();
  return { dir, endpoint: etcdEndpoint(dir), kill, start };
}
