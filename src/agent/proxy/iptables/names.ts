// kube-proxy's iptables chain names: a 16-character base32 (standard alphabet)
// prefix of sha256("ns/name:portName" + protocol [+ "ip:port"]), so the names fit
// iptables' 28-character limit and stay stable across restarts.
import { sha256Base32 } from '../hash.js';

/** portProtoHash("ns1/svc1:p80", "tcp") = "XPGD46QRK7WJZT7O". */
export function portProtoHash(servicePortName: string, protocol: string): string {
  return sha256Base32(servicePortName + protocol).slice(0, 16);
}

export interface ServiceChains {
  /** KUBE-SVC-: endpoints for Cluster traffic policy. */
  cluster: string;
  /** KUBE-SVL-: node-local endpoints for Local traffic policy. */
  local: string;
  /** KUBE-EXT-: NodePort / externalIP / LoadBalancer traffic. */
  external: string;
  /** KUBE-FW-: loadBalancerSourceRanges. */
  firewall: string;
}

export function serviceChains(servicePortName: string, protocol: string): ServiceChains {
  const h = portProtoHash(servicePortName, protocol);
  return { cluster: `KUBE-SVC-${h}`, local: `KUBE-SVL-${h}`, external: `KUBE-EXT-${h}`, firewall: `KUBE-FW-${h}` };
}

/** KUBE-SEP- chain of one endpoint ("ip:port"). */
export function endpointChain(servicePortName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${sha256Base32(servicePortName + protocol + endpoint).slice(0, 16)}`;
}

/** Per-service chains, the ones a sync creates and deletes (not the fixed KUBE-SERVICES etc.). */
export function isServiceChain(chain: string): boolean {
  return /^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(chain);
}
