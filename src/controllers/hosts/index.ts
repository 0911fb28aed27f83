// The host controller: allocates the nodes of every Host that has none yet (allocate.ts decides)
// and writes them with the overlay's VNI and MTU to its status. One Host at a time, so two
// joining hosts never get the same nodes; its own writes count before the informer shows them.
import { allocatedCondition, controlPlaneAnnotation, type Host } from '../../api/hosts.js';
import type { Condition } from '../../api/networking.js';
import { types } from '../../api/resources.js';
import { timestamp, type Node } from '../../api/types.js';
import type { ApiClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue } from '../workqueue.js';
import { allocateHost, type AddressPlan } from './allocate.js';

export interface HostControllerOptions extends AddressPlan {
  vni: number;
  mtu: number;
}

export function startHostController(client: ApiClient, hosts: Informer<Host>, nodes: Informer<Node>, o: HostControllerOptions): () => void {
  // Allocations written but maybe not seen by the informer yet, by Host uid.
  const written = new Map<string, Host>();
  const queue = new WorkQueue(
    'host-controller',
    async (name) => {
      const host = hosts.get(name);
      if (!host || host.metadata.deletionTimestamp || host.metadata.annotations?.[controlPlaneAnnotation] === 'true') return;
      if (host.status?.nodes?.length || written.has(host.metadata.uid!)) return;
      const current = new Map(hosts.list().map((h) => [h.metadata.uid!, h]));
      for (const [uid, h] of written) if (current.has(uid)) current.set(uid, h);
      const result = allocateHost(host, [...current.values()], nodes.list(), o);
      const condition = (status: 'True' | 'False', reason: string, message: string): Condition => ({ type: allocatedCondition, status, reason, message, lastTransitionTime: timestamp() });
      const status: Host['status'] =
        'nodes' in result
          ? { nodes: result.nodes, vni: o.vni, mtu: o.mtu, conditions: [condition('True', 'NodesAllocated', `nodes ${result.nodes.map((n) => n.name).join(', ')}`)] }
          : { conditions: [condition('False', 'AddressSpaceExhausted', result.refused)] };
      if (host.status?.conditions?.[0]?.message === status.conditions![0]!.message) return; // refused already, for the same reason
      const saved = await client.update<Host>(types.hosts, { ...host, status }, 'status');
      if ('nodes' in result) written.set(saved.metadata.uid!, saved);
      console.log(`host-controller: host ${name}: ${status.conditions![0]!.message}`);
    },
    1,
  );
  hosts.on({
    add: (h) => queue.add(h.metadata.name!),
    update: (h) => queue.add(h.metadata.name!),
    delete: (h) => {
      written.delete(h.metadata.uid!);
      // Its nodes are free again: hosts refused for want of room may fit now.
      for (const other of hosts.list()) if (!other.status?.nodes?.length) queue.add(other.metadata.name!);
    },
  });
  for (const h of hosts.list()) queue.add(h.metadata.name!);
  return () => queue.stop();
}
