// hosts.svclab.io/v1: Host, svclab's own kind (a machine of a multi-host lab). No protobuf upstream;
// the numbers only serve the shared description format.
import type { Package } from './describe.js';

export const hosts: Package = {
  name: 'hosts',
  openapiPrefix: 'io.svclab.hosts.v1',
  messages: {
    Host: {
      '': 'A machine of the lab: the control plane\'s own, or one that joined with `lab join`. The control plane allocates its nodes.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata; the annotation svclab.io/requested-by names who created it.',
      spec: '2 HostSpec required -- The machine\'s address and how many nodes it runs.',
      status: '3 HostStatus -- The nodes the control plane allocated to it, and the overlay\'s parameters.',
    },
    HostSpec: {
      '': 'What a joining machine asks for.',
      address: '1 string required -- The machine\'s IPv4 address: the VXLAN overlay\'s outer packets come from and go to it. Cannot change.',
      nodes: '2 int32 required -- How many nodes the machine runs (at least 1). Cannot change.',
      runtime: '3 string? enum:netns -- How the machine runs its nodes.',
    },
    HostStatus: {
      '': 'What the control plane allocated.',
      nodes: '1 []HostNode -- The machine\'s nodes: names, node IPs and pod CIDRs, unique in the lab.',
      vni: '2 int32 -- The lab\'s VXLAN network identifier.',
      mtu: '3 int32 -- The node network\'s MTU on every host.',
      conditions: '4 []meta.Condition -- Allocated: whether the nodes are allocated (False with the reason when they cannot be).',
    },
    HostNode: {
      '': 'One node of a host.',
      name: '1 string required -- The node name.',
      ip: '2 string required -- Its address on the node network.',
      podCIDR: '3 string required -- Its pod network.',
    },
  },
};
