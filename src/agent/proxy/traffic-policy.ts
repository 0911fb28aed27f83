// Which endpoints a service port's traffic may reach from this node, per
// kube-proxy's CategorizeEndpoints (pkg/proxy/topology.go): ready endpoints, or
// serving+terminating ones when none is ready; Local policies keep node-local
// ones only. Shared by the iptables and nftables backends.
import { parseIp } from '../../net/cidr.js';
import { servicePortName, type Endpoint, type ServicePort } from './model.js';

export function endpointString(ep: Pick<Endpoint, 'ip' | 'port'>): string {
  return `${ep.ip}:${ep.port}`;
}

/** Headless and IP-less services (and non-IPv4 ones, these backends are IPv4) get no rules. */
export function isProxied(sp: ServicePort): boolean {
  return parseIp(sp.clusterIP) !== undefined;
}

function externallyAccessible(sp: ServicePort): boolean {
  return sp.nodePort !== 0 || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
}

export interface TrafficPlan {
  /** "ns/name:port" */
  name: string;
  /** lowercase, as in chain hashes and iptables matches */
  protocol: string;
  clusterEndpoints: Endpoint[];
  localEndpoints: Endpoint[];
  /** Every endpoint some rule of this service can reach (one SEP chain each). */
  reachable: Endpoint[];
  /** Usable endpoints exist anywhere in the cluster. */
  hasEndpoints: boolean;
  usesClusterChain: boolean;
  usesLocalChain: boolean;
  /** ClusterIP traffic goes to the local chain (internalTrafficPolicy Local). */
  internalLocal: boolean;
  /** External traffic goes to the local chain (externalTrafficPolicy Local, externally accessible). */
  externalLocal: boolean;
  hasInternalEndpoints: boolean;
  hasExternalEndpoints: boolean;
  /** The EXT chain exists: it is needed even without local endpoints for the short-circuit rules. */
  usesExternalChain: boolean;
}

const usable = (ep: Endpoint): boolean => ep.ready || (ep.serving && ep.terminating);

export function trafficPlan(sp: ServicePort): TrafficPlan {
  // Sorted by "ip:port" string and deduplicated, like the EndpointSlice cache.
  const seen = new Map<string, Endpoint>();
  for (const ep of sp.endpoints) if (!seen.has(endpointString(ep))) seen.set(endpointString(ep), ep);
  const all = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ep]) => ep);

  const externalLocal = sp.externalPolicyLocal && externallyAccessible(sp);
  const internalLocal = sp.internalPolicyLocal;
  const usesCluster = !internalLocal || (externallyAccessible(sp) && !externalLocal);
  const usesLocal = internalLocal || externalLocal;

  let clusterEndpoints: Endpoint[] = [];
  if (usesCluster) {
    clusterEndpoints = all.filter((ep) => ep.ready);
    if (clusterEndpoints.length === 0) clusterEndpoints = all.filter((ep) => ep.serving && ep.terminating);
  }
  let localEndpoints: Endpoint[] = [];
  let localFallback = false;
  if (usesLocal) {
    localEndpoints = all.filter((ep) => ep.local && ep.ready);
    if (localEndpoints.length === 0) {
      localFallback = true;
      localEndpoints = all.filter((ep) => ep.local && ep.serving && ep.terminating);
    }
  }
  const hasEndpoints = usesCluster && !usesLocal ? clusterEndpoints.length > 0 : all.some(usable);

  let reachable: Endpoint[];
  if (!usesLocal) reachable = clusterEndpoints;
  else if (!usesCluster) reachable = localEndpoints;
  else if (!localFallback) reachable = clusterEndpoints;
  else {
    // Local falls back to terminating endpoints that the cluster list lacks: merge.
    const merged = new Map([...clusterEndpoints, ...localEndpoints].map((ep) => [endpointString(ep), ep]));
    reachable = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, ep]) => ep);
  }

  const hasInternalEndpoints = hasEndpoints && (!internalLocal || localEndpoints.length > 0);
  const hasExternalEndpoints = hasEndpoints && (!externalLocal || localEndpoints.length > 0);
  return {
    name: servicePortName(sp),
    protocol: sp.protocol.toLowerCase(),
    clusterEndpoints,
    localEndpoints,
    reachable,
    hasEndpoints,
    usesClusterChain: usesCluster && clusterEndpoints.length > 0,
    usesLocalChain: usesLocal && localEndpoints.length > 0,
    internalLocal,
    externalLocal,
    hasInternalEndpoints,
    hasExternalEndpoints,
    usesExternalChain: hasEndpoints && externallyAccessible(sp),
  };
}
