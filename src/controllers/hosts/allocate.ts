// The host controller's decision, pure: which nodes a Host gets. Node i takes the name node<i>,
// the node IP and pod /24 the plan gives node i; i is the lowest index no Node and no other
// Host holds, so two hosts never collide (and a joined host never picks its own).
import type { Host, HostNode } from '../../api/hosts.js';
import type { Node } from '../../api/types.js';
import type { Cidr } from '../../net/cidr.js';
import { maxNodes, nodeAddresses } from '../../net/node-addresses.js';

export interface AddressPlan {
  nodeCIDR: Cidr;
  podCIDR: Cidr;
}

export type Allocation = { nodes: HostNode[] } | { refused: string };

const indexOf = (name: string | undefined): number | undefined => {
  const m = /^node(\d+)$/.exec(name ?? '');
  return m ? Number(m[1]) : undefined;
};

export function allocateHost(host: Host, others: Host[], nodes: Node[], plan: AddressPlan): Allocation {
  const taken = new Set<number>();
  const takenIPs = new Set<string>();
  for (const n of nodes) {
    const i = indexOf(n.metadata.name);
    if (i !== undefined) taken.add(i);
    for (const a of n.status?.addresses ?? []) takenIPs.add(a.address);
  }
  for (const h of others) {
    if (h.metadata.name === host.metadata.name) continue;
    for (const n of h.status?.nodes ?? []) {
      const i = indexOf(n.name);
      if (i !== undefined) taken.add(i);
      takenIPs.add(n.ip);
    }
  }
  const want = host.spec.nodes;
  const max = maxNodes(plan.nodeCIDR, plan.podCIDR);
  const out: HostNode[] = [];
  for (let i = 1; i <= max && out.length < want; i++) {
    if (taken.has(i)) continue;
    const n = nodeAddresses(plan.nodeCIDR, plan.podCIDR, i);
    if (!takenIPs.has(n.ip)) out.push(n);
  }
  if (out.length < want) return { refused: `the lab's address plan holds ${max} nodes and ${out.length} of them are free: ${want} requested` };
  return { nodes: out };
}
