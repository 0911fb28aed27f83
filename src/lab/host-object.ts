// The Host objects of a lab that spans machines: the control plane's own (written by `lab up --listen`
// with its nodes, which exist already) and a joining machine's request (`lab join`, allocated by the
// control plane's host controller).
import { allocatedCondition, controlPlaneAnnotation, type Host } from '../api/hosts.js';
import { apiVersionOf, types } from '../api/resources.js';
import { timestamp } from '../api/types.js';
import type { ApiClient } from '../client/client.js';
import type { LabPlan } from './plan.js';

export function hostObject(name: string, address: string, nodes: number, annotations?: Record<string, string>): Host {
  return { apiVersion: apiVersionOf(types.hosts), kind: 'Host', metadata: { name, ...(annotations ? { annotations } : {}) }, spec: { address, nodes, runtime: 'netns' } };
}

/** The control plane's machine as a Host: the other machines' overlay daemons flood to its address. */
export async function registerControlPlaneHost(client: ApiClient, plan: LabPlan): Promise<void> {
  const v = plan.vxlan!;
  const created = await client.create<Host>(types.hosts, hostObject(v.host, v.local, plan.nodes.length, { [controlPlaneAnnotation]: 'true' }));
  const status: Host['status'] = {
    nodes: plan.nodes.map((n) => ({ name: n.name, ip: n.ip, podCIDR: n.podCIDR })),
    vni: v.vni,
    mtu: v.mtu,
    conditions: [{ type: allocatedCondition, status: 'True', reason: 'ControlPlane', message: 'the control plane\'s own nodes', lastTransitionTime: timestamp() }],
  };
  await client.update(types.hosts, { ...created, status }, 'status');
}
