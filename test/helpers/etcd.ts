// A real etcd (Debian's etcd-server) on unix sockets in a temp dir, for the store
// tests and for API tests run with SVCLAB_TEST_STORE=etcd. No root needed.
import type { ExecutionContext } from 'ava';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { etcdEndpoint, spawnEtcd } from '../../src/lab/etcd.js';

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
    child = await spawnEtcd(dir);
  };
  t.teardown(async () => {
    await kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  await start();
  return { dir, endpoint: etcdEndpoint(dir), kill, start };
}
