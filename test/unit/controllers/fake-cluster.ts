// A cluster for controller tests: the real in-process API server, Ready nodes,
// shared informers, the controllers under test, and (optionally) a stand-in
// kubelet that does what a real one would to the pods bound to its nodes.
import type { ExecutionContext } from 'ava';
import { types } from '../../../src/api/resources.js';
import { timestamp, type Deployment, type Event, type KubeObject, type Node, type Pod, type PodTemplateSpec, type ReplicaSet } from '../../../src/api/types.js';
import { ApiClient } from '../../../src/client/client.js';
import { Informer } from '../../../src/client/informer.js';
import { startDeploymentController } from '../../../src/controllers/deployment/index.js';
import { startGarbageCollector } from '../../../src/controllers/garbage-collector.js';
import { startNodePods, type NodePodsOptions } from '../../../src/controllers/node-pods.js';
import { isPodActive } from '../../../src/controllers/ownership.js';
import { startReplicaSetController } from '../../../src/controllers/replicaset.js';
import { startScheduler } from '../../../src/controllers/scheduler.js';
import { startApiServer, type TestServer } from '../../helpers/apiserver.js';

export { waitFor } from '../../helpers/lab.js';

export type Controller = 'scheduler' | 'replicaset' | 'deployment' | 'garbage-collector' | 'node-pods';

export interface ClusterOptions {
  nodes?: string[];
  controllers?: Controller[];
  /** Run the stand-in kubelet on every node not in kubeletDown. */
  kubelet?: boolean;
  nodePods?: NodePodsOptions;
}

export interface Cluster {
  server: TestServer;
  client: ApiClient;
  nodes: Informer<Node>;
  pods: Informer<Pod>;
  replicasets: Informer<ReplicaSet>;
  deployments: Informer<Deployment>;
  /** Nodes whose stand-in kubelet stopped answering. */
  kubeletDown: Set<string>;
  /** Starts a controller later (e.g. the garbage collector after leftovers were made). */
  start(c: Controller): void;
}

export const ns = 'default';

export function readyCondition(status: 'True' | 'False' | 'Unknown') {
  const now = timestamp();
  return { type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'NodeStatusUnknown', lastHeartbeatTime: now, lastTransitionTime: now };
}

export async function addNode(client: ApiClient, name: string, labels: Record<string, string> = {}): Promise<void> {
  await client.create(types.nodes, { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: {} });
  await client.patch(types.nodes, name, { status: { conditions: [readyCondition('True')] } }, undefined, 'status');
}

export function template(labels: Record<string, string>, image = 'nginx:1.25', extra: Partial<PodTemplateSpec['spec']> = {}): PodTemplateSpec {
  return { metadata: { labels }, spec: { containers: [{ name: 'app', image }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', ...extra } };
}

export function deployment(name: string, replicas: number, spec: Partial<Deployment['spec']> = {}): Deployment {
  const labels = { app: name };
  return { metadata: { name, namespace: ns }, spec: { replicas, selector: { matchLabels: labels }, template: template(labels), ...spec } };
}

export function replicaSet(name: string, replicas: number, spec: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  const labels = { app: name };
  return { metadata: { name, namespace: ns }, spec: { replicas, selector: { matchLabels: labels }, template: template(labels), ...spec } };
}

export function pod(name: string, labels: Record<string, string>, spec: Partial<Pod['spec']> = {}): Pod {
  return { metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], restartPolicy: 'Always', ...spec } };
}

/** What a kubelet reports for a started pod that passed its readiness check. */
export function runningStatus(ip: string) {
  const now = timestamp();
  const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
  return {
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    startTime: now,
    conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), cond('PodScheduled')],
  };
}

export async function markRunning(client: ApiClient, p: Pod, ip: string): Promise<Pod> {
  return client.patch<Pod>(types.pods, p.metadata.name!, { status: runningStatus(ip) }, p.metadata.namespace, 'status');
}

export function ownedBy(obj: KubeObject, owner: KubeObject): boolean {
  return obj.metadata.ownerReferences?.some((r) => r.controller && r.uid === owner.metadata.uid) ?? false;
}

export function activePodsOf(c: Cluster, owner: KubeObject): Pod[] {
  return c.pods.list().filter((p) => isPodActive(p) && ownedBy(p, owner));
}

export async function eventsFor(client: ApiClient, obj: KubeObject, namespace = ns): Promise<Event[]> {
  const list = await client.list<Event>(types.events, namespace, { fieldSelector: `involvedObject.uid=${obj.metadata.uid}` });
  return list.items;
}

/** At teardown: refuse new requests, wait for those in flight; a write meeting a closed WAL makes the store exit the process. */
export class DrainingClient extends ApiClient {
  private inFlight = 0;
  private closing = false;
  private idle?: () => void;

  override async request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    if (this.closing) throw new Error('the test cluster is shutting down');
    this.inFlight++;
    try {
      return await super.request<T>(method, path, body, contentType);
    } finally {
      if (--this.inFlight === 0) this.idle?.();
    }
  }

  drain(): Promise<void> {
    this.closing = true;
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => (this.idle = resolve));
  }
}

export async function startCluster(t: ExecutionContext<unknown>, opts: ClusterOptions = {}): Promise<Cluster> {
  const server = await startApiServer(t);
  const client = new DrainingClient({ server: server.url, timeoutMs: 5000 });
  // Teardowns run last-registered first: this one after the controllers stopped, before the server does.
  t.teardown(async () => {
    await client.drain();
    client.close();
  });
  for (const name of opts.nodes ?? ['n1', 'n2', 'n3']) await addNode(client, name);
  const informer = <T extends KubeObject>(type: typeof types.pods): Informer<T> => {
    const i = new Informer<T>(client, type).start();
    t.teardown(() => i.stop());
    return i;
  };
  const c: Cluster = {
    server,
    client,
    nodes: informer<Node>(types.nodes),
    pods: informer<Pod>(types.pods),
    replicasets: informer<ReplicaSet>(types.replicasets),
    deployments: informer<Deployment>(types.deployments),
    kubeletDown: new Set(),
    start(controller) {
      const stop = {
        scheduler: () => startScheduler(client, c.nodes, c.pods),
        replicaset: () => startReplicaSetController(client, c.pods, c.replicasets),
        deployment: () => startDeploymentController(client, c.deployments, c.replicasets, c.pods),
        'garbage-collector': () => startGarbageCollector(client, [c.pods, c.replicasets, c.deployments]),
        'node-pods': () => startNodePods(client, c.nodes, c.pods, opts.nodePods),
      }[controller]();
      t.teardown(stop);
    },
  };
  await Promise.all([c.nodes.synced, c.pods.synced, c.replicasets.synced, c.deployments.synced]);
  for (const controller of opts.controllers ?? []) c.start(controller);
  if (opts.kubelet) startKubelet(t, c);
  return c;
}

/** The stand-in kubelet: bound pods start Running and Ready at once; deleted ones finish with the final grace-0 delete. */
function startKubelet(t: ExecutionContext<unknown>, c: Cluster): void {
  const started = new Set<string>();
  const finished = new Set<string>();
  let ip = 0;
  let stopped = false;
  t.teardown(() => (stopped = true));
  const handle = (p: Pod): void => {
    const node = p.spec.nodeName;
    const uid = p.metadata.uid!;
    if (stopped || !node || c.kubeletDown.has(node)) return;
    if (p.metadata.deletionTimestamp) {
      if (finished.has(uid)) return;
      finished.add(uid);
      void c.client.delete(types.pods, p.metadata.name!, p.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid } }).catch(() => finished.delete(uid));
    } else if (p.status?.phase === 'Pending' && !started.has(uid)) {
      started.add(uid);
      ip++;
      void markRunning(c.client, p, `10.244.${Math.floor(ip / 250)}.${(ip % 250) + 2}`).catch(() => started.delete(uid));
    }
  };
  c.pods.on({ add: handle, update: handle });
  for (const p of c.pods.list()) handle(p);
}
