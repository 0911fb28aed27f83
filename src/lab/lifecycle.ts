// Bringing a lab up and taking it down. `up` builds the topology, starts the
// supervisor and waits for every node to be Ready; anything that fails on the
// way is torn down again, so a failed `up` leaves nothing behind.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isReady } from '../api/conditions.js';
import { types } from '../api/resources.js';
import type { Node } from '../api/types.js';
import { ApiClient } from '../client/client.js';
import { markRunNetns, removeUnusedNetnsDirs } from '../net/netns-dirs.js';
import { allRuntimes, leftoversRuntime, runtimeFor } from '../runtime/index.js';
import { poll } from '../util/poll.js';
import { distEntry } from './components.js';
import { dnsReady, ingressReady, installAddons, writeUpstreamZone } from './addons.js';
import { writeKubeconfig } from './kubeconfig.js';
import { adminConnection, etcdClientTls, pkiFiles } from './credentials.js';
import { etcdPeerURL } from './etcd.js';
import { removeMember } from './etcd-members.js';
import { readSharedFiles, uploadCerts } from './upload-certs.js';
import { defaultTokenTtlMs, generateToken, publishJoinInfo } from './bootstrap-tokens.js';
import { makePki } from './pki.js';
import { etcdClientPort, etcdDirs, etcdMembers, etcdPeerPort } from './control-plane.js';
import { registerControlPlaneHost } from './host-object.js';
import { makePlan, netnsPrefix, type JoinedControlPlane, type LabPlan, type PlanOptions } from './plan.js';
import { listenProblems, pkiProblems, proxyModeProblems, PreflightError, requireRoot, storeProblems } from './preflight.js';
import { labProcesses, signal, waitGone } from './processes.js';
import { forgetCurrentLab } from './select.js';
import { defaultStateRoot, home, labDir, listLabs, NoSuchLab, paths, readState, stateRoot, writeJsonAtomic, type LabState } from './state.js';

export interface UpOptions extends PlanOptions {
  /** The dashboard's port on 127.0.0.1 (default: any free one). */
  uiPort?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
  /** With --listen: the bootstrap token to publish (kubeadm init's --token) and its lifetime (0: never expires). */
  joinToken?: string;
  joinTokenTtlMs?: number;
  /** With --listen on etcd: the key the shared certificates are uploaded with, for control planes that join (kubeadm init --upload-certs). */
  certificateKey?: string;
}

export async function up(o: UpOptions): Promise<LabState> {
  requireRoot('up');
  const plan = makePlan(o);
  const runtime = runtimeFor(plan.runtime, o.log);
  if (readState(plan.name)) throw new PreflightError(`a lab named "${plan.name}" is already running; take it down first with: lab down --name ${plan.name}`);
  if ((await runtime.leftovers()).includes(plan.name) || labProcesses().has(plan.name)) {
    throw new PreflightError(`leftovers of a lab named "${plan.name}" are still on this host; remove them with: lab clean`);
  }
  const problems = [...(await runtime.check(plan)), ...(await proxyModeProblems(plan.proxyMode)), ...storeProblems(plan.store), ...(await pkiProblems()), ...(await listenProblems(plan.listen, etcdMembers(plan).length ? [etcdClientPort, etcdPeerPort] : []))];
  if (problems.length > 0) throw new PreflightError(problems.join('; '));

  makeLabDirs(plan);
  try {
    // The certificates take ~0.2 s (the RSA key), made while the topology is built.
    await Promise.all([runtime.create(plan), makePki(plan)]);
    writeUpstreamZone(plan, paths.upstreamZone(plan.name));
    const state: LabState = { plan, apiPort: 0, createdAt: new Date().toISOString(), home, ...(o.uiPort ? { uiPort: o.uiPort } : {}) };
    writeJsonAtomic(paths.state(plan.name), state);
    startSupervisor(state);
    state.apiPort = await waitForApiPort(plan.name, o.timeoutMs ?? 60_000);
    writeJsonAtomic(paths.state(plan.name), state);
    if (plan.listen) await publishForJoiners(state, o.joinToken ?? generateToken(), o.joinTokenTtlMs ?? defaultTokenTtlMs, o.timeoutMs ?? 60_000);
    if (o.certificateKey && etcdMembers(plan).length) await withAdmin(state, (c) => uploadCerts(c, readSharedFiles(plan.name), o.certificateKey!));
    await waitForNodes(state, o.timeoutMs ?? 60_000);
    state.nodesReadyAt = new Date().toISOString();
    writeJsonAtomic(paths.state(plan.name), state);
    await waitForDns(state, o.timeoutMs ?? 60_000);
    if (state.plan.vxlan) await withAdmin(state, (c) => registerControlPlaneHost(c, state.plan));
    writeKubeconfig(state);
    return state;
  } catch (e) {
    await down(plan.name).catch(() => undefined);
    throw e;
  }
}

/** The state root (with the markers of what its first lab creates) and the lab's directories. */
export function makeLabDirs(plan: LabPlan): void {
  markRunNetns();
  fs.mkdirSync(stateRoot, { recursive: true });
  // Others may pass through the lab's directory (the ingress's nginx workers run as nobody) but list
  // nothing; what holds objects, secrets, logs or sockets is root's alone (the store makes its own 0700).
  fs.mkdirSync(labDir(plan.name), { recursive: true, mode: 0o711 });
  fs.chmodSync(labDir(plan.name), 0o711);
  // nodes/ holds the pods' projected tokens: root's alone (containers see them through their mounts).
  for (const dir of [paths.logs(plan.name), paths.kubeletSockets(plan.name), path.join(labDir(plan.name), 'nodes'), ...(plan.store === 'etcd' ? [paths.etcd(plan.name), ...etcdDirs(plan)] : [])]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
  }
}

/** The lab's supervisor, detached (its own session: the lab's process tree), recorded in the state. */
export function startSupervisor(state: LabState): void {
  const name = state.plan.name;
  const log = fs.openSync(path.join(paths.logs(name), 'supervisor.log'), 'a');
  const child = spawn(process.execPath, [distEntry(home, 'lab/supervisor.js'), '--name', name], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, SVCLAB_LAB: name, SVCLAB_COMPONENT: 'supervisor' },
  });
  child.unref();
  fs.closeSync(log);
  state.supervisorPid = child.pid;
  writeJsonAtomic(paths.state(name), state);
}

async function withAdmin<T>(state: LabState, fn: (client: ApiClient) => Promise<T>): Promise<T> {
  const client = new ApiClient({ ...adminConnection(state), timeoutMs: 5000 });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

async function waitForApiPort(name: string, timeoutMs: number): Promise<number> {
  const port = await poll(() => fs.existsSync(paths.apiPort(name)) && Number(fs.readFileSync(paths.apiPort(name), 'utf8')), { timeoutMs, everyMs: 10 });
  if (port !== undefined) return port;
  throw new Error(`the API server of lab ${name} did not start within ${timeoutMs / 1000} s; logs are in ${paths.logs(name)}`);
}

/** cluster-info and the first bootstrap token, once the API answers. */
async function publishForJoiners(state: LabState, token: string, ttlMs: number, timeoutMs: number): Promise<void> {
  const ca = fs.readFileSync(pkiFiles.caCert(state.plan.name));
  let last = '';
  const publish = async (client: ApiClient): Promise<boolean> => {
    try {
      await publishJoinInfo(client, state.plan.name, state.plan.listen!, ca, token, ttlMs);
      return true;
    } catch (e) {
      last = (e as Error).message;
      return false;
    }
  };
  if (!(await withAdmin(state, (client) => poll(() => publish(client), { timeoutMs, everyMs: 50 })))) throw new Error(`publishing cluster-info for joining hosts failed: ${last}`);
}

async function readyNodes(client: ApiClient): Promise<Node[]> {
  const list = await client.list<Node>(types.nodes);
  return list.items.filter(isReady);
}

async function waitForNodes(state: LabState, timeoutMs: number): Promise<void> {
  const client = new ApiClient({ ...adminConnection(state), timeoutMs: 2000 });
  let last = 'the API server did not answer';
  try {
    const allReady = async (): Promise<boolean> => {
      try {
        const ready = await readyNodes(client);
        last = `${ready.length} of ${state.plan.nodes.length} nodes Ready`;
        return ready.length === state.plan.nodes.length;
      } catch (e) {
        last = (e as Error).message;
        return false;
      }
    };
    if (await poll(allReady, { timeoutMs, everyMs: 25 })) return;
  } finally {
    client.close();
  }
  throw new Error(`lab ${state.plan.name} did not become ready within ${timeoutMs / 1000} s (${last}); logs are in ${paths.logs(state.plan.name)}`);
}

async function waitForDns(state: LabState, timeoutMs: number): Promise<void> {
  const client = new ApiClient({ ...adminConnection(state), timeoutMs: 2000 });
  try {
    await installAddons(client, state.plan);
    if (await poll(async () => (await dnsReady(client)) && (!state.plan.ingress || (await ingressReady(client, state.plan))), { timeoutMs, everyMs: 50 })) return;
  } finally {
    client.close();
  }
  throw new Error(`the cluster DNS${state.plan.ingress ? ' or the ingress controller' : ''} of lab ${state.plan.name} did not become ready within ${timeoutMs / 1000} s; logs are in ${paths.logs(state.plan.name)}`);
}

/** Stops every process of the lab, removes its namespaces and state. Idempotent. */
export async function down(name: string): Promise<void> {
  requireRoot('down');
  const state = readState(name);
  const runtime = state ? runtimeFor(state.plan.runtime) : leftoversRuntime();
  const hasLeftovers = (await runtime.leftovers()).includes(name) || labProcesses().has(name) || fs.existsSync(labDir(name));
  if (!state && !hasLeftovers) throw new NoSuchLab(`no lab named "${name}" (running labs: ${listLabs().join(', ') || 'none'})`);
  // A machine joined as a control plane leaves the etcd cluster first (kubeadm reset), while its member still runs.
  const cp = state?.plan.joined?.controlPlane;
  if (cp) await leaveEtcdCluster(name, cp);
  // The supervisor stops its children gracefully; whatever is left is killed.
  if (state?.supervisorPid) {
    signal([state.supervisorPid], 'SIGTERM');
    await waitGone([state.supervisorPid], 5000);
  }
  const rest = labProcesses().get(name) ?? [];
  signal(rest, 'SIGKILL');
  await waitGone(rest, 2000);
  await runtime.destroy(name);
  fs.rmSync(labDir(name), { recursive: true, force: true });
  forgetCurrentLab(name);
  cleanupRoot();
}

async function leaveEtcdCluster(lab: string, cp: JoinedControlPlane): Promise<void> {
  const others = cp.peers.filter((u) => u !== `https://${cp.ip}:${etcdClientPort}`);
  try {
    await removeMember(others.length ? others : [`https://${cp.ip}:${etcdClientPort}`], etcdClientTls(lab), cp.member, etcdPeerURL(cp.ip, etcdPeerPort));
  } catch (e) {
    console.error(`lab down: removing etcd member ${cp.member} from the lab's cluster failed (${(e as Error).message}); remove it on the control plane with: lab etcdctl -- member remove <ID>`);
  }
}

/** When the last lab is gone, also remove what the first one created. */
function cleanupRoot(): void {
  if (listLabs().length > 0) return;
  fs.rmSync(paths.current(), { force: true });
  removeUnusedNetnsDirs(netnsPrefix);
  try {
    fs.rmdirSync(stateRoot);
  } catch {
    /* not empty or already gone */
  }
}

/** Every lab this host knows of: state dirs, namespaces, containers (when a Docker engine answers) and processes. */
async function allLabNames(): Promise<string[]> {
  // Namespace names are global to the machine: under another state root (a simulated machine's) they do
  // not say whose a lab is, so only the labs this root knows and its own processes count there.
  const namespaces = stateRoot === defaultStateRoot ? await leftoversRuntime().leftovers() : [];
  const names = new Set<string>([...listLabs(), ...namespaces, ...labProcesses().keys()]);
  return [...names].sort();
}

export async function clean(log: (line: string) => void): Promise<string[]> {
  requireRoot('clean');
  const names = await allLabNames();
  for (const name of names) {
    await down(name);
    log(`removed lab ${name}`);
  }
  cleanupRoot();
  // Images are the machine's too: another state root leaves them to the default one's `lab clean`.
  if (stateRoot === defaultStateRoot) for (const runtime of allRuntimes()) for (const ref of await runtime.removeImages()) log(`removed image ${ref}`);
  return names;
}
