// kube-proxy's IPVS-mode names: the dummy interface holding every service IP,
// the schedulers, and the ipsets its constant-size iptables rules match on
// (pkg/proxy/ipvs/ipset.go: same names, types and comments).
import type { L4Protocol } from '../model.js';

export const dummyDevice = 'kube-ipvs0';

/** IPVS schedulers a Service may ask for (annotation svclab.io/ipvs-scheduler) or a lab may default to. */
export const schedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'dh', 'sed', 'nq', 'mh'] as const;
export const defaultScheduler = 'rr';

export function isScheduler(name: string): boolean {
  return (schedulers as readonly string[]).includes(name);
}

export interface IpSetSpec {
  name: string;
  /** ipset type, with its creation options. */
  type: string;
  comment: string;
}

const hash = (type: string): string => `${type} family inet hashsize 1024 maxelem 65536`;
const bitmapPort = 'bitmap:port range 0-65535';

export const ipsets = {
  loopBack: { name: 'KUBE-LOOP-BACK', type: hash('hash:ip,port,ip'), comment: 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose' },
  clusterIP: { name: 'KUBE-CLUSTER-IP', type: hash('hash:ip,port'), comment: 'Kubernetes service cluster ip + port for masquerade purpose' },
  externalIP: { name: 'KUBE-EXTERNAL-IP', type: hash('hash:ip,port'), comment: 'Kubernetes service external ip + port for masquerade and filter purpose' },
  externalIPLocal: { name: 'KUBE-EXTERNAL-IP-LOCAL', type: hash('hash:ip,port'), comment: 'Kubernetes service external ip + port with externalTrafficPolicy=local' },
  loadBalancer: { name: 'KUBE-LOAD-BALANCER', type: hash('hash:ip,port'), comment: 'Kubernetes service lb portal' },
  loadBalancerLocal: { name: 'KUBE-LOAD-BALANCER-LOCAL', type: hash('hash:ip,port'), comment: 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local' },
  loadBalancerFW: { name: 'KUBE-LOAD-BALANCER-FW', type: hash('hash:ip,port'), comment: 'Kubernetes service load balancer ip + port for load balancer with sourceRange' },
  loadBalancerSourceIP: { name: 'KUBE-LOAD-BALANCER-SOURCE-IP', type: hash('hash:ip,port,ip'), comment: 'Kubernetes service load balancer ip + port + source IP for packet filter purpose' },
  loadBalancerSourceCIDR: { name: 'KUBE-LOAD-BALANCER-SOURCE-CIDR', type: hash('hash:ip,port,net'), comment: 'Kubernetes service load balancer ip + port + source cidr for packet filter purpose' },
  nodePortTCP: { name: 'KUBE-NODE-PORT-TCP', type: bitmapPort, comment: 'Kubernetes nodeport TCP port for masquerade purpose' },
  nodePortLocalTCP: { name: 'KUBE-NODE-PORT-LOCAL-TCP', type: bitmapPort, comment: 'Kubernetes nodeport TCP port with externalTrafficPolicy=local' },
  nodePortUDP: { name: 'KUBE-NODE-PORT-UDP', type: bitmapPort, comment: 'Kubernetes nodeport UDP port for masquerade purpose' },
  nodePortLocalUDP: { name: 'KUBE-NODE-PORT-LOCAL-UDP', type: bitmapPort, comment: 'Kubernetes nodeport UDP port with externalTrafficPolicy=local' },
  nodePortSCTP: { name: 'KUBE-NODE-PORT-SCTP-HASH', type: hash('hash:ip,port'), comment: "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'" },
  nodePortLocalSCTP: { name: 'KUBE-NODE-PORT-LOCAL-SCTP-HASH', type: hash('hash:ip,port'), comment: "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'" },
  ipvsIPs: { name: 'KUBE-IPVS-IPS', type: hash('hash:ip'), comment: 'Kubernetes service IPs bound to kube-ipvs0, for the access filter' },
} satisfies Record<string, IpSetSpec>;

export type IpSetKey = keyof typeof ipsets;
export const ipsetNames = new Set(Object.values(ipsets).map((s) => s.name));

/** The NodePort sets of a protocol: masquerade, and externalTrafficPolicy=Local (no masquerade). */
export function nodePortSets(protocol: L4Protocol): { all: IpSetKey; local: IpSetKey } {
  if (protocol === 'UDP') return { all: 'nodePortUDP', local: 'nodePortLocalUDP' };
  if (protocol === 'SCTP') return { all: 'nodePortSCTP', local: 'nodePortLocalSCTP' };
  return { all: 'nodePortTCP', local: 'nodePortLocalTCP' };
}
