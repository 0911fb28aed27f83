// The address plan of one lab (design.md, "Network"): which namespaces exist,
// which node gets which IP and pod CIDR. Pure data, shared by every runtime.
import { defaultProxyMode, type ProxyMode } from '../agent/proxy/modes.js';
import { formatCidr, formatIp, hostAt, parseCidr, subnet } from '../net/cidr.js';
import { maxNodes, nodeAddresses } from '../net/node-addresses.js';
import { UserError } from '../util/errors.js';

export const runtimes = ['netns', 'docker'] as const;
export type RuntimeName = (typeof runtimes)[number];

/** Where the API server keeps objects: its embedded store (WAL + snapshots) or a real etcd the lab runs. */
export const stores = ['embedded', 'etcd'] as const;
export type StoreName = (typeof stores)[number];

export interface NodePlan {
  name: string;
  netns: string;
  ip: string;
  podCIDR: string;
  /** Interface name of the node's port on the switch. */
  port: string;
  /** Multi-host labs: the simulated host this node lives on (behind that host's switch). */
  host?: string;
}

/** One simulated host of a multi-host lab: a namespace standing for a machine, on its own transit address. */
interface HostPlan {
  name: string;
  /** The namespace playing the machine's own (root) network namespace. */
  netns: string;
  /** The host's address on its transit link: the VXLAN's outer packets come from it. */
  ip: string;
  /** The transit router's side of that link. */
  gateway: string;
  /** This host's switch (host1 keeps the lab's switch, with the router and the outside world). */
  switchNetns: string;
}

/** The node network spread over several hosts: one VXLAN segment bridged into every host's switch. */
export interface OverlayPlan {
  hosts: HostPlan[];
  /** The transit router between the hosts (stands for the network between machines). */
  transitNetns: string;
  transitCIDR: string;
  vni: number;
  /** The overlay's UDP port (IANA's VXLAN port). */
  port: number;
  /** The node network's MTU: the transit link's 1500 less VXLAN's 50 bytes of outer headers. */
  mtu: number;
}

/** This machine's end of a lab that spans machines (`lab up --listen`, `lab join`): a VXLAN device on the machine's own address, bridged into its switch. */
export interface VxlanPlan {
  /** The machine's address: the outer packets come from it (the listen address, or the joining host's --address). */
  local: string;
  vni: number;
  port: number;
  mtu: number;
  /** This machine's Host object. */
  host: string;
}

/** A machine that joined a lab (`lab join`): it holds only its switch and nodes; everything else is on the control plane's machine. */
export interface JoinedPlan {
  /** The lab's name on the control plane (the local lab name may differ). */
  lab: string;
  /** Where this machine's own processes reach the API (the control plane's listen address): the overlay daemon's server. */
  server: string;
  /** `lab join --control-plane`: this machine also runs an etcd member, an API server replica and a controller-manager. */
  controlPlane?: JoinedControlPlane;
}

export interface JoinedControlPlane {
  /** The etcd member's name (the Host's) and this machine's address: etcd's client and peer URLs, the replica's HTTPS. */
  member: string;
  ip: string;
  /** etcd's --initial-cluster, as MemberAdd answered (the member starts with --initial-cluster-state existing). */
  initialCluster: string;
  /** The running members' client URLs when it joined: where `lab down` removes it from the cluster. */
  peers: string[];
}

export interface LabPlan {
  name: string;
  runtime: RuntimeName;
  proxyMode: ProxyMode;
  nodeCIDR: string;
  podCIDR: string;
  serviceCIDR: string;
  outsideCIDR: string;
  clusterDNS: string;
  clusterDomain: string;
  nodePortRange: string;
  routerNodeIP: string;
  routerOutsideIP: string;
  outsideIP: string;
  switchNetns: string;
  routerNetns: string;
  outsideNetns: string;
  /** The lab's internet: external servers and the upstream DNS, on the outside network. */
  external: { netns: string; ip: string; dnsIP: string; aliases: string[] };
  nodes: NodePlan[];
  nodeGracePeriodSeconds: number;
  /** LoadBalancer addresses on the outside network ("FIRST-LAST"), or "none": LoadBalancer services stay Pending. */
  lbPool: string;
  /** The IPVS scheduler of services without the svclab.io/ipvs-scheduler annotation (ipvs mode). */
  ipvsScheduler: string;
  /** Where pods reach the API server (a relay on the router). */
  apiAdvertise: { ip: string; port: number };
  /** The ingress-nginx addon (controller Deployment, LoadBalancer Service, IngressClass and GatewayClass "nginx"). */
  ingress: boolean;
  /** Absent in labs made before there was a choice: embedded. */
  store?: StoreName;
  /** Only in multi-host labs (--hosts 2 or more); single-host labs stay exactly as before. */
  overlay?: OverlayPlan;
  /** `lab up --listen ADDR:PORT`: the API is served over TLS on that address too, for hosts that `lab join` (issue #18). */
  listen?: { ip: string; port: number };
  vxlan?: VxlanPlan;
  joined?: JoinedPlan;
}

export interface PlanOptions {
  name: string;
  nodes: number;
  proxyMode?: ProxyMode;
  runtime?: RuntimeName;
  nodeCIDR?: string;
  podCIDR?: string;
  nodeGracePeriodSeconds?: number;
  lbPool?: string;
  ipvsScheduler?: string;
  ingress?: boolean;
  store?: StoreName;
  /** Simulated hosts the nodes are spread over, round-robin (default 1: today's single-host lab). */
  hosts?: number;
  /** "ADDR:PORT" (IPv4) where other hosts reach the API to `lab join`. */
  listen?: string;
  /** With listen: the name of the control plane's own Host object (default control-plane). */
  hostName?: string;
}

export const netnsPrefix = 'svclab-';

export function labPrefix(name: string): string {
  return `${netnsPrefix}${name}-`;
}

export class PlanError extends UserError {}

/** A node of this lab at its allocated place (name, IP, pod CIDR): its namespace and switch port. */
function nodePlan(lab: string, n: { name: string; ip: string; podCIDR: string }): NodePlan {
  return { name: n.name, netns: `${labPrefix(lab)}${n.name}`, ip: n.ip, podCIDR: n.podCIDR, port: n.name };
}

export function makePlan(o: PlanOptions): LabPlan {
  const nodeCIDR = parseCidr(o.nodeCIDR ?? '172.18.0.0/24');
  const podCIDR = parseCidr(o.podCIDR ?? '10.244.0.0/16');
  if (!nodeCIDR) throw new PlanError(`invalid node CIDR ${o.nodeCIDR}`);
  if (!podCIDR) throw new PlanError(`invalid pod CIDR ${o.podCIDR}`);
  const max = maxNodes(nodeCIDR, podCIDR);
  if (!Number.isInteger(o.nodes) || o.nodes < 1) throw new PlanError(`--nodes must be a whole number of at least 1 (got ${o.nodes})`);
  if (o.nodes > max) {
    throw new PlanError(`--nodes ${o.nodes} is more than the address plan allows: at most ${max} nodes fit node network ${formatCidr(nodeCIDR)} and pod network ${formatCidr(podCIDR)}`);
  }
  if (o.lbPool !== undefined && o.lbPool !== 'none' && !/^\d+\.\d+\.\d+\.\d+-\d+\.\d+\.\d+\.\d+$/.test(o.lbPool)) {
    throw new PlanError(`--lb-pool must be FIRST-LAST (e.g. 203.0.113.200-203.0.113.250) or none (got "${o.lbPool}")`);
  }
  const hosts = o.hosts ?? 1;
  if (!Number.isInteger(hosts) || hosts < 1) throw new PlanError(`--hosts must be a whole number of at least 1 (got ${o.hosts})`);
  if (hosts > maxHosts) throw new PlanError(`--hosts ${hosts} is more than the transit network ${transitCIDR} holds: at most ${maxHosts} hosts`);
  if (hosts > o.nodes) throw new PlanError(`--hosts ${hosts} needs at least as many nodes (--nodes ${o.nodes}): every host carries a node`);
  const listen = o.listen === undefined ? undefined : parseListen(o.listen);
  if (listen && hosts > 1) throw new PlanError('--listen and --hosts do not go together: --hosts simulates several hosts on this machine, --listen lets other machines join');
  if (listen && (o.runtime ?? 'netns') !== 'netns') throw new PlanError(`--listen needs the netns runtime (the overlay's VXLAN device joins the lab's switch namespace); got --runtime ${o.runtime}`);
  const prefix = labPrefix(o.name);
  const outside = parseCidr('203.0.113.0/24')!;
  const nodes: NodePlan[] = [];
  for (let i = 1; i <= o.nodes; i++) {
    nodes.push({ ...nodePlan(o.name, nodeAddresses(nodeCIDR, podCIDR, i)), ...(hosts > 1 ? { host: hostOf(i, hosts) } : {}) });
  }
  return {
    name: o.name,
    runtime: o.runtime ?? 'netns',
    proxyMode: o.proxyMode ?? defaultProxyMode,
    nodeCIDR: formatCidr(nodeCIDR),
    podCIDR: formatCidr(podCIDR),
    serviceCIDR: '10.96.0.0/12',
    outsideCIDR: formatCidr(outside),
    clusterDNS: '10.96.0.10',
    clusterDomain: 'cluster.local',
    nodePortRange: '30000-32767',
    routerNodeIP: formatIp(hostAt(nodeCIDR, 1)),
    routerOutsideIP: formatIp(hostAt(outside, 1)),
    outsideIP: formatIp(hostAt(outside, 2)),
    switchNetns: `${prefix}switch`,
    routerNetns: `${prefix}router`,
    outsideNetns: `${prefix}outside`,
    // The seeds' outside servers: 192.0.2.42 (docs' manual Endpoints), 172.29.16.8 (the streamset server).
    external: { netns: `${prefix}external`, ip: formatIp(hostAt(outside, 10)), dnsIP: formatIp(hostAt(outside, 53)), aliases: ['192.0.2.42', '172.29.16.8'] },
    nodes,
    nodeGracePeriodSeconds: o.nodeGracePeriodSeconds ?? 10,
    lbPool: o.lbPool ?? `${formatIp(hostAt(outside, 200))}-${formatIp(hostAt(outside, 250))}`,
    ipvsScheduler: o.ipvsScheduler ?? 'rr',
    apiAdvertise: { ip: formatIp(hostAt(nodeCIDR, 1)), port: 6443 },
    ingress: o.ingress ?? false,
    store: o.store ?? 'embedded',
    ...(hosts > 1 ? { overlay: overlayPlan(o.name, hosts) } : {}),
    ...(listen ? { listen, vxlan: { local: listen.ip, vni: vniFor(o.name), port: vxlanPort, mtu: transitMTU - vxlanOverhead, host: o.hostName ?? 'control-plane' } } : {}),
  };
}

/** The node network's MTU where the lab spans hosts (simulated or real); undefined: the kernel's default. */
export function overlayMTU(plan: LabPlan): number | undefined {
  return plan.overlay?.mtu ?? plan.vxlan?.mtu;
}

/** The plan of a machine that joins a lab: its switch and the nodes the control plane allocated it, on the lab's defaults. */
export function joinedPlan(o: { name: string; nodes: { name: string; ip: string; podCIDR: string }[]; vxlan: VxlanPlan; joined: JoinedPlan; proxyMode?: ProxyMode; runtime?: RuntimeName }): LabPlan {
  const base = makePlan({ name: o.name, nodes: 1, proxyMode: o.proxyMode, runtime: o.runtime, store: o.joined.controlPlane ? 'etcd' : undefined });
  return { ...base, nodes: o.nodes.map((n) => nodePlan(o.name, n)), vxlan: o.vxlan, joined: o.joined };
}

/** "ADDR:PORT" with an IPv4 address of this host and a port: where joining hosts reach the API. */
function parseListen(value: string): { ip: string; port: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !parseCidr(`${m[1]}/32`) || !(port >= 1 && port <= 65535)) {
    throw new PlanError(`--listen must be ADDR:PORT with an IPv4 address of this host and a port 1-65535 (got "${value}")`);
  }
  return { ip: m[1]!, port };
}

const transitCIDR = '198.18.0.0/24'; // RFC 2544's benchmarking range: never a real network's
const transitLinkPrefix = 30;
const maxHosts = 2 ** (transitLinkPrefix - 24) - 1; // link 0 stays unused
const vxlanPort = 4789;
export const vxlanOverhead = 50; // outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8
const transitMTU = 1500;

/** Node i (1-based) lives on host ((i-1) mod hosts) + 1: round-robin, so every host has nodes. */
export function hostOf(node: number, hosts: number): string {
  return `host${((node - 1) % hosts) + 1}`;
}

/** A VXLAN network identifier per lab, from its name (24 bits; 0 and 1 left out as commonly reserved). */
export function vniFor(lab: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (const c of Buffer.from(lab)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return 2 + (h % (2 ** 24 - 2));
}

function overlayPlan(lab: string, count: number): OverlayPlan {
  const prefix = labPrefix(lab);
  const transit = parseCidr(transitCIDR)!;
  const hosts: HostPlan[] = [];
  for (let k = 1; k <= count; k++) {
    const link = subnet(transit, transitLinkPrefix, k)!;
    hosts.push({
      name: `host${k}`,
      netns: `${prefix}host${k}`,
      ip: formatIp(hostAt(link, 2)),
      gateway: formatIp(hostAt(link, 1)),
      switchNetns: k === 1 ? `${prefix}switch` : `${prefix}switch${k}`,
    });
  }
  return { hosts, transitNetns: `${prefix}transit`, transitCIDR, vni: vniFor(lab), port: vxlanPort, mtu: transitMTU - vxlanOverhead };
}

/** The switch a node's port is on: its host's, or the lab's only one. */
export function switchOf(plan: LabPlan, node: NodePlan): string {
  return plan.overlay?.hosts.find((h) => h.name === node.host)?.switchNetns ?? plan.switchNetns;
}

/** Lab names end up in namespace names and paths: a short DNS label. */
export function validateLabName(name: string): string | undefined {
  if (!/^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$/.test(name)) {
    return `invalid lab name "${name}": use 1-20 lower-case letters, digits or '-', starting with a letter and ending with a letter or digit`;
  }
  return undefined;
}
