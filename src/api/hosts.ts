// hosts.svclab.io/v1 Host: a machine that joined the lab (`lab join`), or the control plane's own.
// The control plane allocates its nodes (names, node IPs, pod CIDRs), never the joining machine.
import type { Condition } from './networking.js';
import type { KubeObject } from './types.js';

export interface HostNode {
  name: string;
  ip: string;
  podCIDR: string;
}

export interface Host extends KubeObject {
  spec: {
    /** The machine's own address: the overlay's outer packets come from and go to it. */
    address: string;
    /** How many nodes the machine runs. */
    nodes: number;
    runtime?: 'netns';
  };
  status?: {
    nodes?: HostNode[];
    /** The lab's VXLAN network identifier and the node network's MTU on every host. */
    vni?: number;
    mtu?: number;
    conditions?: Condition[];
  };
}

export const hostRuntimes = ['netns'] as const;

/** Set by the API server on create: the user who asked for the Host (the CSR approver checks node names against it). */
export const requestedByAnnotation = 'svclab.io/requested-by';
/** On the control plane's own Host: `lab up` writes its status (its nodes exist already); the host controller leaves it alone. */
export const controlPlaneAnnotation = 'svclab.io/control-plane';
/** The condition the host controller sets: True once status.nodes is allocated, False (with why) when it cannot be. */
export const allocatedCondition = 'Allocated';
