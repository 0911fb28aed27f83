// kube-proxy's nftables names: "<prefix><HASH8>-ns/svc/proto/port" for a service
// port and "...__ip/port" for an endpoint, HASH8 = first 8 base32 characters of
// sha256 of the rest. "/" keeps the parts apart (it cannot occur in them) and
// marks these chains as per-service ones.
import { sha256Base32 } from '../hash.js';

function hashed(name: string): string {
  return `${sha256Base32(name).slice(0, 8)}-${name}`;
}

export interface ServiceChainNames {
  cluster: string;
  local: string;
  external: string;
  firewall: string;
}

/** service-ULMVA6XW-ns1/svc1/tcp/p80 and its local-/external-/firewall- siblings. */
export function serviceChainNames(namespace: string, name: string, protocol: string, portName: string): ServiceChainNames {
  const base = hashed(`${namespace}/${name}/${protocol}/${portName}`);
  return { cluster: `service-${base}`, local: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` };
}

export interface EndpointNames {
  chain: string;
  affinitySet: string;
}

/** endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80 and its affinity- set. */
export function endpointNames(namespace: string, name: string, protocol: string, portName: string, ip: string, port: number): EndpointNames {
  const base = hashed(`${namespace}/${name}/${protocol}/${portName}__${ip}/${port}`);
  return { chain: `endpoint-${base}`, affinitySet: `affinity-${base}` };
}

export function isServiceChainName(chain: string): boolean {
  return chain.includes('/');
}

export function isAffinitySetName(set: string): boolean {
  return set.startsWith('affinity-');
}
