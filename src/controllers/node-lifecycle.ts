// Node lifecycle: a node whose Lease has not been renewed for the grace period
// gets Ready=Unknown ("Kubelet stopped posting node status.") and the
// unreachable taint; the taint goes once the node's agent reports Ready again.
import { readyCondition } from '../api/conditions.js';
import type { ApiClient } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { types } from '../api/resources.js';
import { timestamp, type Lease, type Node, type Taint } from '../api/types.js';

const unreachableTaint = 'node.kubernetes.io/unreachable';

export interface NodeLifecycleOptions {
  gracePeriodMs: number;
  checkEveryMs?: number;
}

function lastRenewal(node: Node, lease: Lease | undefined): number {
  const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : NaN;
  if (!Number.isNaN(renew)) return renew;
  return Date.parse(node.metadata.creationTimestamp ?? '') || Date.now();
}

export function startNodeLifecycle(client: ApiClient, nodes: Informer<Node>, leases: Informer<Lease>, opts: NodeLifecycleOptions): () => void {
  // Time this controller first saw each lease: after our own restart we do not
  // judge a node by a renewal we could not have watched.
  const startedAt = Date.now();
  const check = async (): Promise<void> => {
    for (const node of nodes.list()) {
      const name = node.metadata.name!;
      const lease = leases.get(`kube-node-lease/${name}`);
      const silentFor = Date.now() - Math.max(lastRenewal(node, lease), startedAt - opts.gracePeriodMs / 2);
      const ready = readyCondition(node);
      const taints = node.spec?.taints ?? [];
      const tainted = taints.some((t) => t.key === unreachableTaint);
      if (silentFor > opts.gracePeriodMs && ready?.status !== 'Unknown') {
        const now = timestamp();
        const conditions = (node.status?.conditions ?? []).map((c) =>
          c.type === 'Ready'
            ? { ...c, status: 'Unknown' as const, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now }
            : c,
        );
        await client.patch(types.nodes, name, { status: { conditions } }, undefined, 'status');
        if (!tainted) {
          const taint: Taint = { key: unreachableTaint, effect: 'NoExecute', timeAdded: now };
          await client.patch(types.nodes, name, { spec: { taints: [...taints, taint] } });
        }
        console.log(`node-lifecycle: node ${name} NotReady: no heartbeat for ${Math.round(silentFor / 1000)} s`);
      } else if (ready?.status === 'True' && tainted) {
        await client.patch(types.nodes, name, { spec: { taints: taints.filter((t) => t.key !== unreachableTaint) } });
        console.log(`node-lifecycle: node ${name} Ready again`);
      }
    }
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    check()
      .catch((e) => console.error(`node-lifecycle: ${(e as Error).message}`))
      .finally(() => (busy = false));
  }, opts.checkEveryMs ?? 1000);
  return () => clearInterval(timer);
}
