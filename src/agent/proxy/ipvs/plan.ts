// What kube-proxy's IPVS proxier wants on a node for one service port
// (pkg/proxy/ipvs/proxier.go syncProxyRules): one virtual server per (IP, port,
// protocol) for the cluster IP, each external and LoadBalancer IP and each node
// IP x nodePort; one masquerading real server per usable endpoint; the IPs to
// bind to kube-ipvs0; and its members of the ipsets.
import { contains, parseCidr, parseIp } from '../../../net/cidr.js';
import type { Endpoint, L4Protocol, NodeInfo, ServicePort } from '../model.js';
import { isProxied, trafficPlan } from '../traffic-policy.js';
import { ipsets, isScheduler, nodePortSets, type IpSetKey } from './names.js';

export interface RealServer {
  ip: string;
  port: number;
  weight: number;
}

export interface VirtualServer {
  protocol: L4Protocol;
  ip: string;
  port: number;
  scheduler: string;
  /** Persistence timeout in seconds (ClientIP session affinity); undefined = not persistent. */
  persistence?: number;
  /** Keyed by "ip:port". */
  reals: Map<string, RealServer>;
}

/** One service port's share of the wanted state. */
export interface ServicePlan {
  /** Keyed by virtualServerKey. */
  virtualServers: Map<string, VirtualServer>;
  /** IPs bound to kube-ipvs0. */
  addresses: string[];
  /** [ipset name, member]; several service ports may share a member. */
  members: Array<[string, string]>;
  /** The scheduler annotation when it names no IPVS scheduler ("ns/name: x"). */
  badScheduler?: string;
}

export function virtualServerKey(protocol: L4Protocol, ip: string, port: number): string {
  return `${protocol} ${ip}:${port}`;
}

/** How ipset prints an entry carrying a protocol: "10.96.0.1,tcp:443". */
function ipPort(ip: string, protocol: L4Protocol, port: number): string {
  return `${ip},${protocol.toLowerCase()}:${port}`;
}

function inCidr(range: string, ip: string): boolean {
  const c = parseCidr(range);
  const n = parseIp(ip);
  return !!c && n !== undefined && contains(c, n);
}

export function planService(sp: ServicePort, node: NodeInfo, labScheduler: string): ServicePlan | undefined {
  if (!isProxied(sp)) return undefined;
  const plan: ServicePlan = { virtualServers: new Map(), addresses: [], members: [] };
  const add = (set: IpSetKey, entry: string): void => void plan.members.push([ipsets[set].name, entry]);
  const traffic = trafficPlan(sp);
  let scheduler = labScheduler;
  if (sp.scheduler && isScheduler(sp.scheduler)) scheduler = sp.scheduler;
  else if (sp.scheduler) plan.badScheduler = `${sp.namespace}/${sp.name}: ${sp.scheduler}`;
  const persistence = sp.sessionAffinity === 'ClientIP' ? sp.stickyMaxAgeSeconds : undefined;
  const internal = traffic.internalLocal ? traffic.localEndpoints : traffic.clusterEndpoints;
  const external = traffic.externalLocal ? traffic.localEndpoints : traffic.clusterEndpoints;

  const virtualServer = (ip: string, port: number, endpoints: Endpoint[]): void => {
    const reals = new Map(endpoints.map((ep) => [`${ep.ip}:${ep.port}`, { ip: ep.ip, port: ep.port, weight: 1 }]));
    plan.virtualServers.set(virtualServerKey(sp.protocol, ip, port), { protocol: sp.protocol, ip, port, scheduler, ...(persistence ? { persistence } : {}), reals });
    // Hairpin: an endpoint reaching itself through the service is masqueraded (KUBE-LOOP-BACK).
    for (const ep of endpoints) add('loopBack', `${ep.ip},${sp.protocol.toLowerCase()}:${ep.port},${ep.ip}`);
  };
  const bound = (ip: string): void => {
    plan.addresses.push(ip);
    add('ipvsIPs', ip);
  };

  virtualServer(sp.clusterIP, sp.port, internal);
  bound(sp.clusterIP);
  add('clusterIP', ipPort(sp.clusterIP, sp.protocol, sp.port));

  for (const ip of sp.externalIPs) {
    virtualServer(ip, sp.port, external);
    bound(ip);
    add(traffic.externalLocal ? 'externalIPLocal' : 'externalIP', ipPort(ip, sp.protocol, sp.port));
  }

  for (const ip of sp.loadBalancerIPs) {
    virtualServer(ip, sp.port, external);
    bound(ip);
    const entry = ipPort(ip, sp.protocol, sp.port);
    add('loadBalancer', entry);
    if (traffic.externalLocal) add('loadBalancerLocal', entry);
    if (sp.loadBalancerSourceRanges.length === 0) continue;
    add('loadBalancerFW', entry);
    for (const range of sp.loadBalancerSourceRanges) add('loadBalancerSourceCIDR', `${entry},${range.replace(/\/32$/, '')}`);
    // A node inside the allowed ranges reaching the LB IP comes back with the LB IP as source.
    if (sp.loadBalancerSourceRanges.some((range) => node.ips.some((nodeIP) => inCidr(range, nodeIP)))) add('loadBalancerSourceIP', `${entry},${ip}`);
  }

  if (sp.nodePort) {
    const sets = nodePortSets(sp.protocol);
    for (const nodeIP of node.ips) {
      virtualServer(nodeIP, sp.nodePort, external);
      // SCTP has no bitmap:port set: its NodePort sets hold node IP + port.
      const entry = sp.protocol === 'SCTP' ? ipPort(nodeIP, sp.protocol, sp.nodePort) : String(sp.nodePort);
      add(sets.all, entry);
      if (traffic.externalLocal) add(sets.local, entry);
    }
  }
  return plan;
}
