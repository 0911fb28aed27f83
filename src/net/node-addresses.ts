// Node i's place in a lab's address plan (design.md, "Network"): node IP = the node network's
// host 1+i (the router is host 1), pod CIDR = the pod network's /24 number i. Shared by the
// plan (`lab up`) and the host controller (nodes of joined hosts), so both hand out the same.
import { cidrSize, formatIp, formatCidr, hostAt, subnet, type Cidr } from './cidr.js';

export function nodeAddresses(nodeCIDR: Cidr, podCIDR: Cidr, i: number): { name: string; ip: string; podCIDR: string } {
  return { name: `node${i}`, ip: formatIp(hostAt(nodeCIDR, 1 + i)), podCIDR: formatCidr(subnet(podCIDR, 24, i)!) };
}

/** How many nodes an address plan can hold: one IP each next to the router, one pod /24 each. */
export function maxNodes(nodeCIDR: Cidr, podCIDR: Cidr): number {
  const nodeIPs = cidrSize(nodeCIDR) - 3; // network, router (.1), broadcast
  const podSubnets = podCIDR.prefix <= 24 ? 2 ** (24 - podCIDR.prefix) - 1 : 0; // subnet 0 stays unused
  return Math.max(0, Math.min(nodeIPs, podSubnets));
}
