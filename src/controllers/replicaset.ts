// ReplicaSet controller: keeps spec.replicas active pods per ReplicaSet, as
// pkg/controller/replicaset does: claims pods (adopts matching orphans,
// releases owned pods that stopped matching), creates from the template in
// slow-start batches, deletes the surplus in upstream's ranking order, and
// reports replicas/ready/available in status. Expectations keep a sync from
// acting again before the informer has seen its own creates and deletes.
import { isReady, readyCondition } from '../api/conditions.js';
import { matches, selectorFromObject } from '../api/labels.js';
import { types } from '../api/resources.js';
import type { Pod, ReplicaSet } from '../api/types.js';
import { isNotFound, type ApiClient } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { cacheKey, type Informer } from '../client/informer.js';
import { claim, controllerRef, isPodActive, ownerReferenceTo, sameStatus, statusPatch } from './ownership.js';
import { WorkQueue } from './workqueue.js';

/** Ready for at least minReadySeconds. */
function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds === 0) return true;
  const since = Date.parse(c.lastTransitionTime ?? '');
  return !Number.isNaN(since) && since + minReadySeconds * 1000 < now;
}


// ---- the controller ----

const component = 'replicaset-controller';
// Upstream's burstReplicas: at most this many creates or deletes per sync.
const burstReplicas = 500;
const expectationsTimeoutMs = 5 * 60_000;
const podDeletionCost = 'controller.kubernetes.io/pod-deletion-cost';

/** ControllerExpectations: creates and deletes a sync issued that the informer has not shown yet. */
class Expectations {
  private readonly pending = new Map<string, { adds: number; deletes: Set<string>; at: number }>();

  expect(key: string, adds: number, deletes: string[]): void {
    this.pending.set(key, { adds, deletes: new Set(deletes), at: Date.now() });
  }

  created(key: string): void {
    const e = this.pending.get(key);
    if (e) e.adds--;
  }

  deleted(key: string, podKey: string): void {
    this.pending.get(key)?.deletes.delete(podKey);
  }

  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    return !e || (e.adds <= 0 && e.deletes.size === 0) || Date.now() - e.at > expectationsTimeoutMs;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}

const phaseOrder: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const v = Number(pod.metadata.annotations?.[podDeletionCost] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

function time(s: string | undefined): number | undefined {
  const t = Date.parse(s ?? '');
  return Number.isNaN(t) ? undefined : t;
}

/** afterOrZero: a missing time first, then the later one. */
function laterFirst(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined) return a === undefined ? (b === undefined ? 0 : -1) : 1;
  return b - a;
}

/** Pods bucketed by log2 of their age (LogarithmicScaleDown): younger buckets go first, ties by uid. */
function logarithmicOrder(a: number | undefined, b: number | undefined, now: number, uidA: string, uidB: string): number {
  if (a === undefined || b === undefined) return laterFirst(a, b);
  const rank = (t: number): number => (now - t > 0 ? Math.floor(Math.log2((now - t) * 1e6)) : -1);
  const diff = rank(a) - rank(b);
  return diff !== 0 ? diff : uidA < uidB ? -1 : uidA > uidB ? 1 : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

/** ActivePodsWithRanks: the order in which surplus pods are deleted. */
export function deletionOrder(pods: Pod[], related: Pod[], now = Date.now()): Pod[] {
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec.nodeName ?? '', (onNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
  const rank = (p: Pod): number => onNode.get(p.spec.nodeName ?? '') ?? 0;
  const compare = (a: Pod, b: Pod): number => {
    const [na, nb] = [a.spec.nodeName ?? '', b.spec.nodeName ?? ''];
    if (na !== nb && (!na || !nb)) return na ? 1 : -1; // unscheduled first
    const [pa, pb] = [phaseOrder[a.status?.phase ?? ''] ?? 0, phaseOrder[b.status?.phase ?? ''] ?? 0];
    if (pa !== pb) return pa - pb; // Pending < Unknown < Running
    if (isReady(a) !== isReady(b)) return isReady(a) ? 1 : -1; // not ready first
    if (deletionCost(a) !== deletionCost(b)) return deletionCost(a) - deletionCost(b);
    if (rank(a) !== rank(b)) return rank(b) - rank(a); // doubled-up nodes first
    if (isReady(a) && isReady(b)) {
      const [ra, rb] = [time(readyCondition(a)?.lastTransitionTime), time(readyCondition(b)?.lastTransitionTime)];
      if (ra !== rb) return logarithmicOrder(ra, rb, now, a.metadata.uid ?? '', b.metadata.uid ?? '');
    }
    if (maxRestarts(a) !== maxRestarts(b)) return maxRestarts(b) - maxRestarts(a); // more restarts first
    const [ca, cb] = [time(a.metadata.creationTimestamp), time(b.metadata.creationTimestamp)];
    if (ca !== cb) return logarithmicOrder(ca, cb, now, a.metadata.uid ?? '', b.metadata.uid ?? '');
    return 0;
  };
  return [...pods].sort(compare);
}

/** Runs fn count times in batches of 1, 2, 4, ...; stops after a batch with a failure. Returns the successes and the first error. */
async function slowStartBatch(count: number, fn: () => Promise<void>): Promise<{ done: number; error?: unknown }> {
  let done = 0;
  for (let batch = Math.min(count, 1); batch > 0; batch = Math.min(2 * batch, count - done)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, fn));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    done += batch - failed.length;
    if (failed.length) return { done, error: failed[0]!.reason };
  }
  return { done };
}

function templateLabelled(rs: ReplicaSet, pod: Pod): boolean {
  return Object.entries(rs.spec.template.metadata?.labels ?? {}).every(([k, v]) => pod.metadata.labels?.[k] === v);
}

export function startReplicaSetController(
  client: ApiClient,
  pods: Informer<Pod>,
  replicasets: Informer<ReplicaSet>,
  events = new EventRecorder(client, component),
): () => void {
  const expectations = new Expectations();
  const queue = new WorkQueue(component, sync);

  /** The ReplicaSet key a pod's controllerRef resolves to (same uid), if any. */
  function ownerKey(pod: Pod): string | undefined {
    const ref = controllerRef(pod);
    if (ref?.kind !== 'ReplicaSet') return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    return replicasets.get(key)?.metadata.uid === ref.uid ? key : undefined;
  }

  function enqueueSelecting(pod: Pod): void {
    for (const rs of replicasets.list()) {
      if (rs.metadata.namespace === pod.metadata.namespace && matches(selectorFromObject(rs.spec.selector), pod.metadata.labels)) queue.add(cacheKey(rs));
    }
  }

  function podDeleted(pod: Pod): void {
    const key = ownerKey(pod);
    if (!key) return;
    expectations.deleted(key, cacheKey(pod));
    queue.add(key);
  }

  pods.on({
    add(pod) {
      if (pod.metadata.deletionTimestamp) return podDeleted(pod);
      const key = ownerKey(pod);
      if (key) {
        expectations.created(key);
        queue.add(key);
      } else if (!controllerRef(pod)) enqueueSelecting(pod);
    },
    update(pod, old) {
      if (pod.metadata.resourceVersion === old.metadata.resourceVersion) return;
      const labelsChanged = JSON.stringify(pod.metadata.labels ?? {}) !== JSON.stringify(old.metadata.labels ?? {});
      if (pod.metadata.deletionTimestamp) {
        podDeleted(pod);
        if (labelsChanged) podDeleted(old);
        return;
      }
      const [ref, oldRef] = [controllerRef(pod), controllerRef(old)];
      const refChanged = ref?.uid !== oldRef?.uid;
      if (refChanged) {
        const oldKey = ownerKey(old);
        if (oldKey) queue.add(oldKey);
      }
      const key = ownerKey(pod);
      if (key) {
        queue.add(key);
        const minReady = replicasets.get(key)?.spec.minReadySeconds ?? 0;
        if (minReady > 0 && !isReady(old) && isReady(pod)) queue.addAfter(key, minReady * 1000);
      } else if (!ref && (labelsChanged || refChanged)) enqueueSelecting(pod);
    },
    delete: podDeleted,
  });
  replicasets.on({
    add: (rs) => queue.add(cacheKey(rs)),
    update: (rs) => queue.add(cacheKey(rs)),
    delete(rs) {
      expectations.forget(cacheKey(rs));
      queue.add(cacheKey(rs));
    },
  });
  for (const rs of replicasets.list()) queue.add(cacheKey(rs));

  async function sync(key: string): Promise<void> {
    const cached = replicasets.get(key);
    if (!cached) return expectations.forget(key);
    const rs = structuredClone(cached);
    const needsSync = expectations.satisfied(key);
    const ns = rs.metadata.namespace!;
    const owned = await claim({
      client,
      owner: rs,
      selector: selectorFromObject(rs.spec.selector),
      type: types.pods,
      candidates: pods.list().filter((p) => p.metadata.namespace === ns && isPodActive(p)),
      canAdopt: async () => {
        const fresh = await client.get<ReplicaSet>(types.replicasets, rs.metadata.name!, ns);
        return fresh.metadata.uid === rs.metadata.uid && !fresh.metadata.deletionTimestamp;
      },
    });
    let failure: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await manageReplicas(key, rs, owned);
      } catch (e) {
        failure = e;
      }
    }
    await updateStatus(key, rs, owned);
    if (failure) throw failure;
  }

  async function manageReplicas(key: string, rs: ReplicaSet, owned: Pod[]): Promise<void> {
    const diff = owned.length - (rs.spec.replicas ?? 1);
    if (diff < 0) {
      const want = Math.min(-diff, burstReplicas);
      expectations.expect(key, want, []);
      const { done, error } = await slowStartBatch(want, () => createPod(rs));
      // Creates that failed or never ran will not show up in the informer.
      for (let i = done; i < want; i++) expectations.created(key);
      if (error) throw error;
    } else if (diff > 0) {
      const victims = deletionOrder(owned, relatedPods(rs, owned)).slice(0, Math.min(diff, burstReplicas));
      expectations.expect(key, 0, victims.map(cacheKey));
      const results = await Promise.allSettled(victims.map((pod) => deletePod(key, rs, pod)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  async function createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec.template;
    const meta = template.metadata ?? {};
    const pod: Pod = {
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...meta.labels },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
        ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
        ownerReferences: [ownerReferenceTo(rs)],
      },
      spec: structuredClone(template.spec),
    };
    try {
      const created = await client.create<Pod>(types.pods, pod, rs.metadata.namespace);
      void events.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (e) {
      void events.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
      throw e;
    }
  }

  async function deletePod(key: string, rs: ReplicaSet, pod: Pod): Promise<void> {
    try {
      await client.delete(types.pods, pod.metadata.name!, pod.metadata.namespace, { preconditions: { uid: pod.metadata.uid } });
      void events.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (e) {
      expectations.deleted(key, cacheKey(pod));
      if (isNotFound(e)) return;
      void events.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Active pods of every ReplicaSet with the same controller (a Deployment's old and new ones): who shares a node. */
  function relatedPods(rs: ReplicaSet, owned: Pod[]): Pod[] {
    const controller = controllerRef(rs);
    if (!controller) return owned;
    const siblings = new Set(
      replicasets
        .list()
        .filter((r) => r.metadata.namespace === rs.metadata.namespace && controllerRef(r)?.uid === controller.uid)
        .map((r) => r.metadata.uid),
    );
    return pods.list().filter((p) => p.metadata.namespace === rs.metadata.namespace && isPodActive(p) && siblings.has(controllerRef(p)?.uid));
  }

  async function updateStatus(key: string, rs: ReplicaSet, owned: Pod[]): Promise<void> {
    const now = Date.now();
    const minReady = rs.spec.minReadySeconds ?? 0;
    const status = {
      replicas: owned.length,
      fullyLabeledReplicas: owned.filter((p) => templateLabelled(rs, p)).length,
      readyReplicas: owned.filter(isReady).length,
      availableReplicas: owned.filter((p) => isPodAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation,
    };
    const patch = statusPatch(status, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']);
    if (!sameStatus(rs.status, patch)) {
      try {
        await client.patch(types.replicasets, rs.metadata.name!, { status: patch }, rs.metadata.namespace, 'status');
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
    }
    const want = rs.spec.replicas ?? 1;
    // Pods become available minReadySeconds after turning ready: look again then.
    if (minReady > 0 && status.readyReplicas === want && status.availableReplicas !== want) queue.addAfter(key, minReady * 1000);
  }

  return () => queue.stop();
}
