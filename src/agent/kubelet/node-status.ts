// Registers this node and keeps it alive: a Lease renewed every 2 s (what the
// node lifecycle controller watches) and a Ready condition the agent restores
// whenever it finds it lost (after a pause, a restart, or the controller's verdict).
import os from 'node:os';
import { getCondition, isReady } from '../../api/conditions.js';
import { isConflict, isNotFound, type ApiClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { types } from '../../api/resources.js';
import { microTimestamp, timestamp, type Lease, type Node, type NodeCondition, type OwnerReference } from '../../api/types.js';

export interface NodeIdentity {
  name: string;
  ip: string;
  podCIDR: string;
  proxyMode: string;
  /** A joined host's nodes belong to its Host: deleting the Host lets the garbage collector remove them. */
  owner?: OwnerReference;
  /** The kubelet API's TLS port, when it serves one (--server-tls-bootstrap). */
  kubeletPort?: number;
}

const leaseRenewMs = 2000;
const statusHeartbeatMs = 10_000;

function readyCondition(): NodeCondition {
  const now = timestamp();
  return { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now };
}

function nodeStatus(id: NodeIdentity): Node['status'] {
  const cpus = String(os.cpus().length);
  const memKi = `${Math.floor(os.totalmem() / 1024)}Ki`;
  const resources = { cpu: cpus, memory: memKi, pods: '110', 'ephemeral-storage': '10Gi' };
  return {
    addresses: [
      { type: 'InternalIP', address: id.ip },
      { type: 'Hostname', address: id.name },
    ],
    capacity: resources,
    allocatable: resources,
    conditions: [readyCondition()],
    ...(id.kubeletPort ? { daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort } } } : {}),
    nodeInfo: {
      machineID: id.name,
      systemUUID: id.name,
      bootID: '',
      kernelVersion: os.release(),
      osImage: 'svclab',
      containerRuntimeVersion: 'svclab://0.1.0',
      kubeletVersion: 'v1.32.0-svclab',
      kubeProxyVersion: `v1.32.0-svclab (${id.proxyMode})`,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

export async function registerNode(client: ApiClient, id: NodeIdentity): Promise<void> {
  const labels = {
    'kubernetes.io/hostname': id.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
  };
  if (id.owner) await ownerStillThere(client, id.owner);
  try {
    await client.create(types.nodes, { metadata: { name: id.name, labels, ...(id.owner ? { ownerReferences: [id.owner] } : {}) }, spec: { podCIDR: id.podCIDR, podCIDRs: [id.podCIDR] } });
  } catch (e) {
    if (!isConflict(e)) throw e;
  }
  await client.patch(types.nodes, id.name, { status: nodeStatus(id) }, undefined, 'status');
}

/** A node whose Host was deleted is not registered again (the garbage collector would only delete it again). */
async function ownerStillThere(client: ApiClient, owner: OwnerReference): Promise<void> {
  const t = types.hosts;
  const there = await client.get(t, owner.name).then((h) => h.metadata.uid === owner.uid, (e: unknown) => (isNotFound(e) ? false : Promise.reject(e)));
  if (!there) throw new Error(`its ${owner.kind} ${owner.name} was deleted: not registering again (lab down on this machine removes its part)`);
}

async function renewLease(client: ApiClient, name: string): Promise<void> {
  const lease: Lease = {
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTimestamp() },
  };
  try {
    await client.patch(types.leases, name, { spec: lease.spec }, 'kube-node-lease');
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await client.create(types.leases, lease);
  }
}

/** Starts the heartbeats; returns a stop function. */
export function keepNodeAlive(client: ApiClient, id: NodeIdentity, nodes: Informer<Node>): () => void {
  let lastHeartbeat = 0;
  const beat = async (): Promise<void> => {
    await renewLease(client, id.name);
    const me = nodes.get(id.name);
    if (!me) return registerNode(client, id); // deleted behind our back: register again
    const ready = getCondition(me, 'Ready');
    if (ready?.status !== 'True' || Date.now() - lastHeartbeat > statusHeartbeatMs) {
      await client.patch(types.nodes, id.name, { status: { conditions: [ready?.status === 'True' ? { ...ready, lastHeartbeatTime: timestamp() } : readyCondition()] } }, undefined, 'status');
      lastHeartbeat = Date.now();
    }
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    beat()
      .catch((e) => console.error(`agent: heartbeat failed: ${(e as Error).message}`))
      .finally(() => (running = false));
  }, leaseRenewMs);
  // React at once when the controller marks us NotReady while we are alive.
  nodes.on({
    update: (n) => {
      if (n.metadata.name === id.name && !isReady(n)) void beat().catch(() => undefined);
    },
  });
  void beat().catch(() => undefined);
  return () => clearInterval(timer);
}
