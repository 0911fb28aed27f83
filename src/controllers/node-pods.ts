// What happens to the pods of a node that stopped being Ready: the node
// lifecycle controller's MarkPodsNotReady (Ready and ContainersReady False,
// so endpoints drop them) and the taint eviction controller (a pod on a node
// with NoExecute taints is deleted once its toleration runs out; without a
// toleration of its own it gets DefaultTolerationSeconds' one).
import { types } from '../api/resources.js';
import { timestamp, type Node, type Pod, type PodCondition, type Taint } from '../api/types.js';
import { isConflict, isNotFound, type ApiClient } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { cacheKey, type Informer } from '../client/informer.js';
import { readyStatus, toleratesTaint, tolerated, type Toleration } from './scheduler.js';

export interface NodePodsOptions {
  /** tolerationSeconds of the default not-ready/unreachable tolerations (upstream: 300). */
  defaultTolerationSeconds?: number;
  events?: EventRecorder;
}

const conditionKeys = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/** The pod's tolerations plus what the DefaultTolerationSeconds admission plugin adds. */
export function effectiveTolerations(pod: Pod, seconds: number): Toleration[] {
  const tolerations = [...(pod.spec.tolerations ?? [])];
  for (const key of conditionKeys) {
    if (!tolerated(tolerations, { key, effect: 'NoExecute' })) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  return tolerations;
}

/** Seconds the pod may stay with these NoExecute taints (GetMatchingTolerations + getMinTolerationTime): 0 if one is untolerated, Infinity if unbounded. */
export function tolerationSeconds(taints: Taint[], tolerations: Toleration[]): number {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((tol) => toleratesTaint(tol, taint));
    if (!t) return 0;
    used.push(t);
  }
  let min = Infinity;
  for (const t of used) if (t.tolerationSeconds != null) min = Math.min(min, Math.max(0, t.tolerationSeconds));
  return min;
}

interface Scheduled {
  createdAt: number;
  fireAt: number;
  timer: NodeJS.Timeout;
}

export function startNodePods(client: ApiClient, nodes: Informer<Node>, pods: Informer<Pod>, opts: NodePodsOptions = {}): () => void {
  const defaultSeconds = opts.defaultTolerationSeconds ?? 300;
  const events = opts.events ?? new EventRecorder(client, 'taint-eviction-controller');
  const evictions = new Map<string, Scheduled>();
  const marking = new Set<string>();
  // Uids of pods we deleted: a stale informer event must not evict them again.
  const evicted = new Set<string>();
  const retries = new Set<NodeJS.Timeout>();
  let stopped = false;

  function cancel(pod: Pod, announce: boolean): void {
    const key = cacheKey(pod);
    const s = evictions.get(key);
    if (!s) return;
    clearTimeout(s.timer);
    evictions.delete(key);
    if (announce) void events.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  function sync(pod: Pod): void {
    if (stopped) return;
    const node = pod.spec.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
    if (!node || pod.metadata.deletionTimestamp) return cancel(pod, false);
    // A node without a Ready condition yet is just registering: nothing to judge.
    const ready = readyStatus(node);
    if (ready !== undefined && ready !== 'True') void markNotReady(pod);
    scheduleEviction(pod, node);
  }

  /** MarkPodsNotReady, for one pod: flips its Ready (and ContainersReady) condition to False. */
  async function markNotReady(pod: Pod): Promise<void> {
    const key = cacheKey(pod);
    const conditions = pod.status?.conditions ?? [];
    const flips = (c: PodCondition): boolean => (c.type === 'Ready' || c.type === 'ContainersReady') && c.status !== 'False';
    if (!conditions.some(flips) || marking.has(key)) return;
    marking.add(key);
    const now = timestamp();
    try {
      const next = conditions.map((c) => (flips(c) ? { ...c, status: 'False' as const, lastTransitionTime: now } : c));
      await client.patch(types.pods, pod.metadata.name!, { metadata: { resourceVersion: pod.metadata.resourceVersion }, status: { conditions: next } }, pod.metadata.namespace, 'status');
      console.log(`node-pods: pod ${key} on NotReady node ${pod.spec.nodeName}: Ready=False`);
    } catch (e) {
      // A conflict means a newer pod version, whose update event brings us back here.
      if (!isNotFound(e) && !isConflict(e)) {
        console.error(`node-pods: marking ${key} not ready: ${(e as Error).message}`);
        retryLater(key);
      }
    } finally {
      marking.delete(key);
    }
  }

  function scheduleEviction(pod: Pod, node: Node): void {
    const key = cacheKey(pod);
    if (evicted.has(pod.metadata.uid!)) return;
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return cancel(pod, true);
    const seconds = tolerationSeconds(taints, effectiveTolerations(pod, defaultSeconds));
    if (seconds === Infinity) return cancel(pod, true);
    const current = evictions.get(key);
    const createdAt = current?.createdAt ?? Date.now();
    const fireAt = createdAt + seconds * 1000;
    if (current?.fireAt === fireAt) return;
    if (current) clearTimeout(current.timer);
    const timer = setTimeout(() => {
      evictions.delete(key);
      const latest = pods.get(key);
      if (latest && latest.metadata.uid === pod.metadata.uid) void evict(latest);
    }, Math.max(0, fireAt - Date.now()));
    evictions.set(key, { createdAt, fireAt, timer });
  }

  async function evict(pod: Pod): Promise<void> {
    if (stopped || pod.metadata.deletionTimestamp) return;
    const key = cacheKey(pod);
    const [name, ns] = [pod.metadata.name!, pod.metadata.namespace];
    evicted.add(pod.metadata.uid!);
    void events.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    try {
      const conditions = pod.status?.conditions ?? [];
      if (!conditions.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) {
        const disruption = { type: 'DisruptionTarget', status: 'True' as const, lastProbeTime: null, lastTransitionTime: timestamp(), reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' };
        await client.patch(types.pods, name, { status: { conditions: [...conditions.filter((c) => c.type !== 'DisruptionTarget'), disruption] } }, ns, 'status');
      }
      await client.delete(types.pods, name, ns, { preconditions: { uid: pod.metadata.uid } });
      console.log(`node-pods: evicted pod ${key} from node ${pod.spec.nodeName}`);
    } catch (e) {
      if (isNotFound(e)) return;
      console.error(`node-pods: evicting ${key}: ${(e as Error).message}`);
      evicted.delete(pod.metadata.uid!);
      retryLater(key);
    }
  }

  function retryLater(key: string): void {
    const retry = setTimeout(() => {
      retries.delete(retry);
      const latest = pods.get(key);
      if (latest) sync(latest);
    }, 1000);
    retries.add(retry);
  }

  const syncNode = (node: Node): void => {
    for (const pod of pods.list()) if (pod.spec.nodeName === node.metadata.name) sync(pod);
  };
  nodes.on({ add: syncNode, update: syncNode, delete: syncNode });
  pods.on({
    add: sync,
    update: sync,
    delete(pod) {
      evicted.delete(pod.metadata.uid!);
      cancel(pod, false);
    },
  });
  for (const pod of pods.list()) sync(pod);

  return () => {
    stopped = true;
    for (const s of evictions.values()) clearTimeout(s.timer);
    for (const t of retries) clearTimeout(t);
    evictions.clear();
  };
}
