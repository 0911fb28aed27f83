// `lab join`: this machine joins a lab whose control plane listens on another one (issue #18).
// Discovery (the CA pinned by its hash, or by the token's JWS alone) -> a Host object created
// with the bootstrap token -> the control plane allocates its nodes -> one client certificate
// per node through the CSR flow -> this machine's switch and nodes, the VXLAN on its own
// address -> its own supervisor (agents, overlay daemon) -> the nodes Ready. Whatever fails on
// the way is torn down again, so a failed join leaves the machine as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getCondition, isReady } from '../api/conditions.js';
import { allocatedCondition, type Host, type HostNode } from '../api/hosts.js';
import { ApiError } from '../api/errors.js';
import { types } from '../api/resources.js';
import type { Node } from '../api/types.js';
import { ApiClient, type Connection } from '../client/client.js';
import { discover } from '../join/discovery.js';
import { requestNodeCertificate } from '../join/node-certificate.js';
import { run } from '../net/run.js';
import { runtimeFor } from '../runtime/index.js';
import { poll } from '../util/poll.js';
import { UserError } from '../util/errors.js';
import { etcdClientTls, labConnection, pkiDir, pkiFiles } from './credentials.js';
import { apiServerPort, etcdClientPort, etcdPeerPort } from './control-plane.js';
import { etcdPeerURL } from './etcd.js';
import { addMember } from './etcd-members.js';
import { issueReplicaCertificates } from './pki.js';
import { certsSecret, downloadCerts, writeSharedFiles } from './upload-certs.js';
import { hostObject } from './host-object.js';
import { down, makeLabDirs, startSupervisor } from './lifecycle.js';
import { joinedPlan, validateLabName, type LabPlan, type RuntimeName } from './plan.js';
import { listenProblems, PreflightError, requireRoot } from './preflight.js';
import { labProcesses } from './processes.js';
import { home, paths, readState, writeJsonAtomic, type LabState } from './state.js';
import type { ProxyMode } from '../agent/proxy/modes.js';

export interface JoinOptions {
  /** https://ADDR:PORT: the control plane's listen address. */
  url: string;
  token: string;
  caCertHashes: string[];
  unsafeSkipCAVerification?: boolean;
  nodes: number;
  /** The local lab name (default: the lab's name on the control plane). */
  name?: string;
  /** This machine's Host name (default: its host name). */
  hostName?: string;
  /** This machine's address for the overlay (default: the source address towards the control plane). */
  address?: string;
  proxyMode?: ProxyMode;
  /** How this machine runs its nodes: network namespaces (default) or containers of its own Docker engine. */
  runtime?: RuntimeName;
  timeoutMs?: number;
  log?: (line: string) => void;
  /** `--control-plane --certificate-key K`: also an etcd member, an API server replica and a controller-manager here. */
  certificateKey?: string;
}

class JoinError extends UserError {}

/** A Host name from the machine's host name: a DNS label, as kubeadm names a node after it. */
function defaultHostName(): string {
  return os.hostname().toLowerCase().split('.')[0]!.replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '') || 'host';
}

/** The source address the kernel picks towards the control plane (what `ip route get` says). */
async function sourceAddress(server: string): Promise<string> {
  const host = new URL(server).hostname;
  const r = await run('ip', ['-j', 'route', 'get', host]);
  const src = r.exitCode === 0 ? (JSON.parse(r.stdout) as { prefsrc?: string }[])[0]?.prefsrc : undefined;
  if (!src) throw new JoinError(`no route from this machine to ${host} (${r.stderr.trim() || 'no source address'}); give this machine's address with --address`);
  return src;
}

function describeApiError(e: unknown, what: string): Error {
  if (!(e instanceof ApiError)) return new JoinError(`${what}: the control plane could not be reached: ${(e as Error).message}`);
  if (e.status.code === 401) return new JoinError(`${what}: the control plane refused the token (401 Unauthorized): it is wrong, expired or deleted; make a new one on the control plane with: lab token create`);
  if (e.status.code === 403) return new JoinError(`${what}: the token may not do that (403 Forbidden): ${e.status.message}`);
  return new JoinError(`${what}: ${e.status.message}`);
}

async function waitForAllocation(client: ApiClient, name: string, timeoutMs: number): Promise<{ nodes: HostNode[]; vni: number; mtu: number }> {
  let refused: string | undefined;
  const got = await poll(
    async () => {
      const host = await client.get<Host>(types.hosts, name);
      const allocated = getCondition(host, allocatedCondition);
      if (allocated?.status === 'False') return (refused = allocated.message), true;
      const s = host.status;
      return s?.nodes?.length === host.spec.nodes && s.vni && s.mtu ? { nodes: s.nodes, vni: s.vni, mtu: s.mtu } : undefined;
    },
    { timeoutMs, everyMs: 100 },
  );
  if (refused) throw new JoinError(`the control plane refused to allocate nodes to host ${name}: ${refused}`);
  if (!got || got === true) throw new JoinError(`the control plane did not allocate nodes to host ${name} within ${timeoutMs / 1000} s (is its controller-manager running?)`);
  return got;
}

async function waitForNodes(conn: Connection, plan: LabPlan, timeoutMs: number): Promise<void> {
  const client = new ApiClient({ ...conn, timeoutMs: 3000 });
  let last = 'the API server did not answer';
  try {
    const ready = await poll(
      async () => {
        try {
          const nodes = await Promise.all(plan.nodes.map((n) => client.get<Node>(types.nodes, n.name).catch(() => undefined)));
          last = `${nodes.filter((n) => n && isReady(n)).length} of ${plan.nodes.length} nodes Ready`;
          return nodes.every((n) => n && isReady(n));
        } catch (e) {
          last = (e as Error).message;
          return false;
        }
      },
      { timeoutMs, everyMs: 200 },
    );
    if (ready) return;
  } finally {
    client.close();
  }
  throw new JoinError(`the nodes of lab ${plan.name} did not become Ready within ${timeoutMs / 1000} s (${last}); logs are in ${paths.logs(plan.name)}`);
}

export async function join(o: JoinOptions): Promise<{ state: LabState; host: string; lab: string }> {
  requireRoot('join');
  const log = o.log ?? (() => undefined);
  const timeoutMs = o.timeoutMs ?? 60_000;
  if (!Number.isInteger(o.nodes) || o.nodes < 1) throw new JoinError(`--nodes must be a whole number of at least 1 (got ${o.nodes})`);
  if (o.certificateKey !== undefined && (o.runtime ?? 'netns') !== 'netns') throw new JoinError(`--control-plane needs the netns runtime (the agents reach this machine's API server replica on its socket); got --runtime ${o.runtime}`);
  const found = await discover(o.url, o.token, { caCertHashes: o.caCertHashes, unsafeSkipCAVerification: o.unsafeSkipCAVerification });
  const local = o.name ?? found.lab;
  const bad = validateLabName(local);
  if (bad) throw new JoinError(`${bad} (choose the local lab name with --name)`);
  const hostName = o.hostName ?? defaultHostName();
  if (readState(local)) throw new PreflightError(`a lab named "${local}" is already on this machine; choose another local name with --name, or take it down with: lab down --name ${local}`);
  const runtime = runtimeFor(o.runtime ?? 'netns', o.log);
  if ((await runtime.leftovers()).includes(local) || labProcesses().has(local)) throw new PreflightError(`leftovers of a lab named "${local}" are still on this machine; remove them with: lab clean`);
  const problems = await runtime.check(joinedPlan({ name: local, nodes: [], vxlan: { local: '', vni: 0, port: 0, mtu: 0, host: hostName }, joined: { lab: found.lab, server: found.server }, runtime: o.runtime }));
  if (problems.length > 0) throw new PreflightError(problems.join('; '));
  const address = o.address ?? (await sourceAddress(found.server));
  if (o.certificateKey !== undefined) {
    const busy = await listenProblems({ ip: address, port: apiServerPort }, [etcdClientPort, etcdPeerPort]);
    if (busy.length) throw new PreflightError(`this machine cannot run a control plane on ${address}: ${busy.join('; ').replace(/--listen /g, "the API server's port ")}`);
  }
  const bootstrap: Connection = { server: found.server, tls: { ca: found.caPem }, token: o.token };
  const client = new ApiClient({ ...bootstrap, timeoutMs: 10_000 });
  let plan: LabPlan | undefined;
  try {
    // kubeadm's order: the certificates first, so a wrong key is refused before anything is made.
    const shared = o.certificateKey === undefined ? undefined : await downloadCerts(client, o.certificateKey, local).catch((e: unknown) => Promise.reject(e instanceof UserError ? new JoinError(e.message) : describeApiError(e, 'downloading the certificates')));
    if (shared) log(`downloaded the control plane's certificates from Secret ${certsSecret.namespace}/${certsSecret.name}`);
    try {
      await client.create(types.hosts, hostObject(hostName, address, o.nodes));
    } catch (e) {
      if (e instanceof ApiError && e.status.reason === 'AlreadyExists') {
        throw new JoinError(`a host named "${hostName}" is already part of lab ${found.lab}: choose another name with --host-name, or have the admin remove the old one with: kubectl delete host ${hostName}`);
      }
      throw describeApiError(e, `creating host ${hostName}`);
    }
    log(`host ${hostName} (${address}) asked lab ${found.lab} for ${o.nodes} nodes`);
    const allocation = await waitForAllocation(client, hostName, timeoutMs).catch(async (e: unknown) => {
      await forgetHost(client, hostName, log);
      throw e;
    });
    plan = joinedPlan({
      name: local,
      nodes: allocation.nodes,
      vxlan: { local: address, vni: allocation.vni, port: 4789, mtu: allocation.mtu, host: hostName },
      joined: { lab: found.lab, server: found.server, ...(shared ? { controlPlane: { member: hostName, ip: address, initialCluster: '', peers: [] } } : {}) },
      proxyMode: o.proxyMode,
      runtime: o.runtime,
    });
    makeLabDirs(plan);
    fs.mkdirSync(path.join(pkiDir(local), 'nodes'), { recursive: true, mode: 0o700 });
    fs.chmodSync(pkiDir(local), 0o700);
    fs.writeFileSync(pkiFiles.caCert(local), found.caPem, { mode: 0o600 });
    if (shared) {
      writeSharedFiles(local, shared);
      await issueReplicaCertificates(plan, { name: hostName, ip: address });
    }
    const certDir = path.join(pkiDir(local), 'nodes');
    await Promise.all(
      plan.nodes.map(async (n) => {
        const issued = await requestNodeCertificate(bootstrap, n.name, certDir, timeoutMs);
        // Where the components look for them, whatever the helper named them.
        if (issued.certFile !== pkiFiles.nodeCert(local, n.name)) fs.renameSync(issued.certFile, pkiFiles.nodeCert(local, n.name));
        if (issued.keyFile !== pkiFiles.nodeKey(local, n.name)) fs.renameSync(issued.keyFile, pkiFiles.nodeKey(local, n.name));
      }),
    );
    log(`node certificates issued for ${plan.nodes.map((n) => n.name).join(', ')}`);
    await runtime.create(plan);
    // Last before its etcd starts: from MemberAdd on, the cluster counts this member for its quorum.
    if (plan.joined!.controlPlane) await addEtcdMember(plan, found.server, log);
    const state: LabState = { plan, apiPort: 0, createdAt: new Date().toISOString(), home };
    writeJsonAtomic(paths.state(local), state);
    startSupervisor(state);
    await waitForNodes(labConnection(state), plan, timeoutMs);
    state.nodesReadyAt = new Date().toISOString();
    writeJsonAtomic(paths.state(local), state);
    return { state, host: hostName, lab: found.lab };
  } catch (e) {
    if (plan) {
      await down(local).catch(() => undefined);
      await forgetHost(client, hostName, log);
    }
    throw e;
  } finally {
    client.close();
  }
}

/** MemberAdd through the control plane's member (at the listen address, etcd's client port); the plan gets --initial-cluster. */
async function addEtcdMember(plan: LabPlan, server: string, log: (line: string) => void): Promise<void> {
  const cp = plan.joined!.controlPlane!;
  const first = `https://${new URL(server).hostname}:${etcdClientPort}`;
  try {
    const added = await addMember([first], etcdClientTls(plan.name), cp.member, etcdPeerURL(cp.ip, etcdPeerPort));
    cp.initialCluster = added.initialCluster;
    cp.peers = added.clientURLs;
  } catch (e) {
    throw new JoinError(`adding this machine's etcd member through ${first} failed: ${(e as Error).message}`);
  }
  // Written now: a failure from here on has `lab down` remove the member again.
  writeJsonAtomic(paths.state(plan.name), { plan, apiPort: 0, createdAt: new Date().toISOString(), home } satisfies LabState);
  log(`etcd member ${cp.member} (${etcdPeerURL(cp.ip, etcdPeerPort)}) added to the lab's etcd cluster`);
}

/** A failed join asks to delete its Host; bootstrap tokens may not, so the admin is told when that is left. */
async function forgetHost(client: ApiClient, name: string, log: (line: string) => void): Promise<void> {
  try {
    await client.delete(types.hosts, name);
  } catch (e) {
    if (e instanceof ApiError && e.status.code === 404) return;
    log(`the Host ${name} stays on the control plane (${(e as Error).message}); the admin removes it with: kubectl delete host ${name}`);
  }
}
