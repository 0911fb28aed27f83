// One lab per test file (up before, down and a host diff after) and the ways
// the workload and service tests look into it: pods, exec, hosts, Status errors.
import type { ExecutionContext, TestFn } from 'ava';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isReady } from '../../../src/api/conditions.js';
import { ApiError, type Status } from '../../../src/api/errors.js';
import { types, type ResourceType } from '../../../src/api/resources.js';
import type { KubeObject, Pod } from '../../../src/api/types.js';
import { isNotFound, type ApiClient } from '../../../src/client/client.js';
import { exec, type ExecResult } from '../../../src/client/exec.js';
import { hostArgv } from '../../../src/lab/hosts.js';
import { adminConnection } from '../../../src/lab/credentials.js';
import { readState } from '../../../src/lab/state.js';
import { hostSnapshot } from '../../helpers/host.js';
import { clientFor, lab, labName, waitFor } from '../../helpers/lab.js';

export interface LabSession {
  name: string;
  client: ApiClient;
  /** A scratch directory on the host (pod processes share the host's filesystem). */
  scratch: string;
}

/** Brings a lab up before the file's tests and down after them, checking the host is left as it was. */
export function useLab(it: TestFn, prefix: string, upArgs: string[]): LabSession {
  const session = { name: labName(prefix) } as LabSession;
  let before: string[];
  it.serial.before(async (t) => {
    before = await hostSnapshot(session.name);
    session.scratch = fs.mkdtempSync(path.join(os.tmpdir(), `svclab-${session.name}-`));
    const r = await lab(['up', '--name', session.name, ...upArgs]);
    t.is(r.exitCode, 0, String(r.all));
    session.client = clientFor(session.name);
  });
  it.serial.after.always(async (t) => {
    session.client?.close();
    await lab(['down', '--name', session.name]);
    if (session.scratch) fs.rmSync(session.scratch, { recursive: true, force: true });
    t.deepEqual(await hostSnapshot(session.name), before);
  });
  return session;
}

/** Pods that count for their controller: not being deleted, not finished. */
export function isActive(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

export async function podsMatching(s: LabSession, labelSelector: string, namespace = 'default'): Promise<Pod[]> {
  return (await s.client.list<Pod>(types.pods, namespace, { labelSelector })).items;
}

/** Waits until exactly `count` pods match, all active and Ready, and none is terminating. */
export function readyPods(s: LabSession, labelSelector: string, count: number, timeoutMs = 30_000, namespace = 'default'): Promise<Pod[]> {
  return waitFor(`${count} Ready pods for ${labelSelector}`, async () => {
    const pods = await podsMatching(s, labelSelector, namespace);
    return pods.length === count && pods.every((p) => isActive(p) && isReady(p)) ? pods : undefined;
  }, timeoutMs);
}

export function readyPod(s: LabSession, name: string, timeoutMs = 20_000, namespace = 'default'): Promise<Pod> {
  return waitFor(`pod ${name} Running and Ready`, async () => {
    const p = await s.client.get<Pod>(types.pods, name, namespace);
    return p.status?.phase === 'Running' && isReady(p) ? p : undefined;
  }, timeoutMs);
}

export function gone(s: LabSession, t: ResourceType, name: string, namespace?: string, timeoutMs = 20_000): Promise<true> {
  return waitFor(`${t.kind} ${name} gone`, async () => {
    try {
      await s.client.get(t, name, namespace);
      return false;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
  }, timeoutMs);
}

export function inPod(s: LabSession, pod: string, command: string[], namespace = 'default'): Promise<ExecResult> {
  return exec({ ...adminConnection(readState(s.name)!), namespace, pod, command });
}

/** Runs a command on node1..N, outside, external or router; never throws on a non-zero exit. */
export async function onHost(s: LabSession, host: string, command: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const [cmd, ...args] = hostArgv(s.name, host, command);
  const r = await execa(cmd!, args, { reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** curl with a short bound, from a host; the body, or undefined when the request failed. */
export async function curlFrom(s: LabSession, host: string, url: string, extra: string[] = []): Promise<string | undefined> {
  const r = await onHost(s, host, ['curl', '-s', '--max-time', '3', ...extra, url]);
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** The host pid of a container's current run, from the shim's record in the node's state. */
export function containerPid(s: LabSession, p: Pod, container: string): number {
  const restart = p.status!.containerStatuses!.find((c) => c.name === container)!.restartCount;
  return Number(fs.readFileSync(`/run/svclab/${s.name}/nodes/${p.spec.nodeName}/pods/${p.metadata.uid}/containers/${container}/${restart}/pid`, 'utf8'));
}

/** The Status a refused request answered with (fails the test when the request succeeded). */
export async function refusal(t: ExecutionContext, request: Promise<unknown>): Promise<Status> {
  const e = await t.throwsAsync(request);
  t.true(e instanceof ApiError, String(e));
  return (e as ApiError).status;
}

export async function exists(s: LabSession, t: ResourceType, name: string, namespace?: string): Promise<boolean> {
  try {
    await s.client.get<KubeObject>(t, name, namespace);
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** Writes YAML (a seed's manifest, verbatim) to a file and applies it with `lab apply`, like a user. */
export async function applyYaml(s: LabSession, yaml: string, namespace = 'default'): Promise<{ exitCode: number; output: string }> {
  const file = path.join(s.scratch, `manifest-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, yaml);
  const r = await lab(['apply', '--name', s.name, '--namespace', namespace, '-f', file]);
  return { exitCode: r.exitCode ?? -1, output: String(r.all) };
}
