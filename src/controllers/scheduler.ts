// default-scheduler: binds pods without a node, one at a time, like
// kube-scheduler's default profile reduced to what the lab uses. Filters run
// in upstream's order (NodeUnschedulable, TaintToleration, NodeAffinity) and
// a node reports the first one it fails; among the nodes left, the one with
// the fewest pods wins (ties by name). An unschedulable pod gets
// PodScheduled=False and a FailedScheduling event, and is retried when nodes change.
import { readyCondition } from '../api/conditions.js';
import { types } from '../api/resources.js';
import { timestamp, type Node, type Pod, type PodSpec, type Taint } from '../api/types.js';
import { isConflict, isNotFound, resourcePath, type ApiClient } from '../client/client.js';
import { EventRecorder } from '../client/events.js';
import { cacheKey, type Informer } from '../client/informer.js';

const schedulerName = 'default-scheduler';

export type Toleration = NonNullable<PodSpec['tolerations']>[number];

/** Toleration.ToleratesTaint: an empty key with Exists tolerates everything; an empty effect any effect. */
export function toleratesTaint(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (!t.operator || t.operator === 'Equal') return (t.value ?? '') === (taint.value ?? '');
  return false;
}

export function tolerated(tolerations: Toleration[] | undefined, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

export function readyStatus(node: Node): string | undefined {
  return readyCondition(node)?.status;
}

/** The node's taints plus the NoSchedule one TaintNodesByCondition gives a node that is not Ready (not-ready, or unreachable for Unknown). */
function effectiveTaints(node: Node): Taint[] {
  const taints = [...(node.spec?.taints ?? [])];
  const ready = readyStatus(node);
  if (ready === 'True') return taints;
  const key = ready === 'Unknown' ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready';
  if (!taints.some((t) => t.key === key && t.effect === 'NoSchedule')) taints.push({ key, effect: 'NoSchedule' });
  return taints;
}

interface SelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: SelectorRequirement[];
  matchFields?: SelectorRequirement[];
}

function requirementMatches(r: SelectorRequirement, values: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, r.key);
  const v = values[r.key];
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(v!);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(v!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const [a, b] = [Number.parseInt(v ?? '', 10), Number.parseInt(r.values?.[0] ?? '', 10)];
      if (!has || Number.isNaN(a) || Number.isNaN(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
  }
}

/** NodeAffinity's filter: spec.nodeSelector, then required node affinity terms (ORed; an empty term matches nothing). */
function nodeMatches(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v)) return false;
  const affinity = pod.spec.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } | undefined;
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  const fields = { 'metadata.name': node.metadata.name! };
  return terms.some((t) => {
    const [exprs, fieldReqs] = [t.matchExpressions ?? [], t.matchFields ?? []];
    if (exprs.length + fieldReqs.length === 0) return false;
    return exprs.every((r) => requirementMatches(r, labels)) && fieldReqs.every((r) => requirementMatches(r, fields));
  });
}

/** The first filter this node fails, in upstream's wording, or undefined when the pod fits. */
function unfitReason(pod: Pod, node: Node): string | undefined {
  const tolerations = pod.spec.tolerations;
  if (node.spec?.unschedulable && !tolerated(tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) return 'node(s) were unschedulable';
  const taint = effectiveTaints(node).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(tolerations, t));
  if (taint) return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  if (!nodeMatches(pod, node)) return "node(s) didn't match Pod's node affinity/selector";
  return undefined;
}

/** FitError.Error(): reasons counted and sorted as text, then what preemption found (nothing it could help with here). */
export function fitError(nodeCount: number, reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const histogram = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${nodeCount} nodes are available: ${histogram.join(', ')}. preemption: 0/${nodeCount} nodes are available: ${nodeCount} Preemption is not helpful for scheduling.`;
}

function needsScheduling(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !pod.spec.nodeName && (pod.spec.schedulerName ?? schedulerName) === schedulerName && !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Node changes that can make an unschedulable pod fit (not heartbeats). */
function schedulingView(node: Node): string {
  return JSON.stringify([node.metadata.labels ?? {}, node.spec?.taints ?? [], node.spec?.unschedulable ?? false, readyStatus(node)]);
}

const initialBackoffMs = 1000;
const maxBackoffMs = 10_000;

export function startScheduler(client: ApiClient, nodes: Informer<Node>, pods: Informer<Pod>, events = new EventRecorder(client, schedulerName)): () => void {
  const queue = new Set<string>();
  const unschedulable = new Set<string>();
  // Pods bound by us that the informer still shows unbound: they count on their node already.
  const assumed = new Map<string, string>();
  const attempts = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let busy = false;
  let stopped = false;
  // Bindings are sent without waiting for each (upstream binds asynchronously too):
  // one fsync then covers many, which is what makes scaling to 100 pods fast.
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = 16;

  const enqueue = (key: string): void => {
    if (stopped) return;
    queue.add(key);
    void pump();
  };

  const retryAll = (): void => {
    for (const key of unschedulable) queue.add(key);
    unschedulable.clear();
    void pump();
  };

  pods.on({
    add(pod) {
      if (needsScheduling(pod)) enqueue(cacheKey(pod));
    },
    update(pod, old) {
      const key = cacheKey(pod);
      if (pod.spec.nodeName || !needsScheduling(pod)) {
        assumed.delete(key);
        unschedulable.delete(key);
        return;
      }
      // Our own status write must not wake an unschedulable pod; a changed spec or labels may.
      const changed = JSON.stringify([pod.spec, pod.metadata.labels]) !== JSON.stringify([old.spec, old.metadata.labels]);
      if (!unschedulable.has(key) || changed) {
        unschedulable.delete(key);
        enqueue(key);
      }
    },
    delete(pod) {
      const key = cacheKey(pod);
      assumed.delete(key);
      unschedulable.delete(key);
      attempts.delete(key);
      queue.delete(key);
    },
  });
  nodes.on({
    add: retryAll,
    update(node, old) {
      if (schedulingView(node) !== schedulingView(old)) retryAll();
    },
  });
  for (const pod of pods.list()) if (needsScheduling(pod)) enqueue(cacheKey(pod));

  function retryLater(key: string, e: unknown): void {
    const n = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, n);
    console.error(`scheduler: ${key}: ${(e as Error).message}`);
    const timer = setTimeout(() => {
      timers.delete(timer);
      enqueue(key);
    }, Math.min(initialBackoffMs * 2 ** (n - 1), maxBackoffMs));
    timers.add(timer);
  }

  async function pump(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      while (!stopped && queue.size > 0) {
        if (inFlight.size >= maxInFlight) {
          await Promise.race(inFlight);
          continue;
        }
        const key = queue.values().next().value!;
        queue.delete(key);
        try {
          const binding = (await scheduleOne(key))?.binding;
          if (!binding) {
            attempts.delete(key);
            continue;
          }
          const tracked: Promise<void> = binding.then(
            () => void attempts.delete(key),
            (e) => {
              assumed.delete(key);
              retryLater(key, e);
            },
          );
          inFlight.add(tracked);
          void tracked.finally(() => inFlight.delete(tracked));
        } catch (e) {
          retryLater(key, e);
        }
      }
    } finally {
      busy = false;
    }
  }

  function podsPerNode(): Map<string, number> {
    const counts = new Map<string, number>();
    const bump = (node: string): void => void counts.set(node, (counts.get(node) ?? 0) + 1);
    for (const p of pods.list()) {
      const node = p.spec.nodeName ?? assumed.get(cacheKey(p));
      if (node && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') bump(node);
    }
    return counts;
  }

  /** Picks a node and assumes it; returns the pending binding (wrapped: awaiting would unwrap it), or undefined. */
  async function scheduleOne(key: string): Promise<{ binding: Promise<void> } | undefined> {
    const pod = pods.get(key);
    if (!pod || !needsScheduling(pod) || assumed.has(key)) return undefined;
    const all = nodes.list();
    const reasons: string[] = [];
    const fits: Node[] = [];
    for (const node of all) {
      const reason = unfitReason(pod, node);
      if (reason) reasons.push(reason);
      else fits.push(node);
    }
    if (fits.length === 0) {
      await unschedulableNow(pod, all.length === 0 ? 'no nodes available to schedule pods' : fitError(all.length, reasons));
      return undefined;
    }
    const counts = podsPerNode();
    const count = (n: Node): number => counts.get(n.metadata.name!) ?? 0;
    const best = fits.reduce((a, b) => (count(b) < count(a) || (count(b) === count(a) && b.metadata.name! < a.metadata.name!) ? b : a));
    const node = best.metadata.name!;
    const [ns, name] = [pod.metadata.namespace!, pod.metadata.name!];
    assumed.set(key, node);
    const binding = (async () => {
      try {
        await client.request('POST', `${resourcePath(types.pods, ns, name)}/binding`, {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace: ns, uid: pod.metadata.uid },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        });
      } catch (e) {
        if (isNotFound(e) || isConflict(e)) return; // gone, or bound or deleted meanwhile
        throw e;
      }
      void events.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
    })();
    return { binding };
  }

  async function unschedulableNow(pod: Pod, message: string): Promise<void> {
    const key = cacheKey(pod);
    unschedulable.add(key);
    void events.event(pod, 'Warning', 'FailedScheduling', message);
    const conditions = pod.status?.conditions ?? [];
    const current = conditions.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return;
    const condition = {
      type: 'PodScheduled',
      status: 'False' as const,
      lastProbeTime: null,
      lastTransitionTime: current?.status === 'False' ? current.lastTransitionTime : timestamp(),
      reason: 'Unschedulable',
      message,
    };
    try {
      await client.patch(types.pods, pod.metadata.name!, { status: { conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), condition] } }, pod.metadata.namespace, 'status');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
  };
}
