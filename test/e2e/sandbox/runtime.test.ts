// The netns runtime driven directly, on a scratch network namespace: ContainerRequest.mounts
// (a host directory shown inside the container's private mount namespace, where the
// service-account token goes, its mount point made in the container's own /run, never on
// the node's file system), and adoption when the previous agent died while starting a run.
import test from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ContainerHandle, ContainerRequest } from '../../../src/agent/kubelet/cri/cri.js';
import { execToEnd } from '../../../src/agent/kubelet/cri/exec.js';
import { NetnsPodRuntime } from '../../../src/agent/kubelet/cri/netns.js';
import type { SandboxRecord, Sandboxes } from '../../../src/agent/kubelet/cri/sandbox.js';
import { containerSecurity } from '../../../src/agent/kubelet/cri/security.js';
import { e2e } from '../../helpers/root.js';
import { markRunNetns, removeUnusedNetnsDirs } from '../../../src/net/netns-dirs.js';

const it = e2e(test);
const netns = `svclab-mnt${process.pid % 10000}`;
const state = fs.mkdtempSync(path.join(os.tmpdir(), 'svclab-mounts-'));
const tokenDir = path.join(state, 'token');
const saPath = '/var/run/secrets/kubernetes.io/serviceaccount';
let container: ContainerHandle | undefined;

it.before(async () => {
  markRunNetns();
  await execa('ip', ['netns', 'add', netns]);
  fs.mkdirSync(tokenDir);
  fs.writeFileSync(path.join(tokenDir, 'token'), 'a-bound-token');
  fs.writeFileSync(path.join(tokenDir, 'namespace'), 'default');
});

it.after.always(async () => {
  // The container's watchers do not hold the event loop open (an agent has its own reasons to live).
  const alive = setInterval(() => undefined, 100);
  await container?.stop(0);
  clearInterval(alive);
  await execa('ip', ['netns', 'del', netns], { reject: false });
  fs.rmSync(`/etc/netns/${netns}`, { recursive: true, force: true });
  removeUnusedNetnsDirs('svclab-');
  fs.rmSync(state, { recursive: true, force: true });
});

async function inContainer(script: string): Promise<{ exitCode: number; output: string }> {
  const p = await container!.exec(['sh', '-c', script], { tty: false, stdin: false });
  return execToEnd(p!, 10_000);
}

function request(extra: Partial<ContainerRequest> = {}): ContainerRequest {
  return {
    name: 'main', restart: 0, image: 'lab/toolbox', argv: ['sleep', 'infinity'], env: { PATH: '/usr/bin:/bin' }, hostname: 'mounts',
    stdin: false, stdinOnce: false, tty: false,
    security: containerSecurity(undefined, undefined, { pod: 'mounts', container: 'main' }),
    ...extra,
  };
}

it.serial(`a read-only mount shows up at ${saPath} inside the sandbox, and nowhere on the node`, async (t) => {
  // Only what startContainer reads of the pod's sandbox: its directory and network namespace.
  const runtime = new NetnsPodRuntime({ podDir: () => state } as unknown as Sandboxes);
  const rec = { uid: 'mounts', netns } as SandboxRecord;
  runtime.writeEtc(rec, { hosts: '127.0.0.1 localhost\n', 'resolv.conf': 'nameserver 10.96.0.10\n', hostname: 'mounts\n' });
  const hostHadIt = fs.existsSync(saPath);
  container = await runtime.startContainer(rec, request({ mounts: [{ hostPath: tokenDir, containerPath: saPath, readOnly: true }] }));
  const read = await inContainer(`cat ${saPath}/token; echo; cat ${saPath}/namespace; echo; grep -E " /run/secrets/kubernetes.io/serviceaccount " /proc/self/mountinfo | cut -d" " -f6`);
  t.is(read.output, 'a-bound-token\ndefault\nro,nosuid,nodev,relatime\n', read.output);
  const write = await inContainer(`echo x >${saPath}/token`);
  t.not(write.exitCode, 0);
  t.regex(write.output, /Read-only file system/);
  t.is(fs.readFileSync(path.join(tokenDir, 'token'), 'utf8'), 'a-bound-token');
  // The mount point went into the container's own /run; the node's tree is as it was.
  t.is(fs.existsSync(saPath), hostHadIt);
  t.true(fs.statSync(path.join(state, 'containers', 'main', '0', 'rw', 'run', 'secrets', 'kubernetes.io', 'serviceaccount')).isDirectory());
});

it.serial('a run the previous agent never got to start is not adopted: the one before it is, so its end brings exactly one restart, into that number', async (t) => {
  const runtime = new NetnsPodRuntime({ podDir: () => state } as unknown as Sandboxes);
  const rec = { uid: 'mounts', netns } as SandboxRecord;
  const alive = setInterval(() => undefined, 100);
  await container?.stop(0);
  clearInterval(alive);
  // What an agent killed between making run 1's directory and its shim's start leaves behind.
  fs.mkdirSync(path.join(state, 'containers', 'main', '1'));
  const started = Date.now();
  const adopted = await runtime.adoptContainer(rec, 'main');
  t.is(adopted?.restart, 0);
  t.truthy(adopted?.handle.exit, 'the adopted run is the ended one');
  t.true(Date.now() - started >= 2000, 'it waited for a late shim first');
});
