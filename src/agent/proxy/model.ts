// What a proxy backend programs, already resolved from Services, EndpointSlices
// and Nodes (kube-proxy's ServicePort and Endpoint): one entry per service port.

export type L4Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Endpoint {
  ip: string;
  port: number;
  /** Serving and not terminating: gets new traffic. */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** On the node this agent runs on. */
  local: boolean;
  nodeName?: string;
  zone?: string;
}

export interface ServicePort {
  namespace: string;
  name: string;
  /** The port's name in the Service ("" when unnamed). */
  portName: string;
  protocol: L4Protocol;
  clusterIP: string;
  port: number;
  /** 0 when the service has no nodePort for this port. */
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  loadBalancerSourceRanges: string[];
  sessionAffinity: 'None' | 'ClientIP';
  /** Seconds; only meaningful with ClientIP affinity (default 10800). */
  stickyMaxAgeSeconds: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  /** Annotation svclab.io/ipvs-scheduler on the Service, for the IPVS backend. */
  scheduler?: string;
  endpoints: Endpoint[];
}

/** A ClusterIP service port with upstream's defaults (no nodePort, affinity None, policies Cluster), then `over`. */
export function newServicePort(over: Pick<ServicePort, 'namespace' | 'name' | 'clusterIP'> & Partial<ServicePort>): ServicePort {
  return {
    portName: '',
    protocol: 'TCP',
    port: 80,
    nodePort: 0,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    sessionAffinity: 'None',
    stickyMaxAgeSeconds: 10800,
    externalPolicyLocal: false,
    internalPolicyLocal: false,
    endpoints: [],
    ...over,
  };
}

/** "ns/name:portName", kube-proxy's ServicePortName.String(). */
export function servicePortName(sp: Pick<ServicePort, 'namespace' | 'name' | 'portName'>): string {
  return `${sp.namespace}/${sp.name}${sp.portName ? `:${sp.portName}` : ''}`;
}

export interface NodeInfo {
  name: string;
  /** The node's own addresses, where NodePorts are served. */
  ips: string[];
  podCIDR: string;
  /** The whole cluster's pod CIDR (traffic from outside it is masqueraded). */
  clusterCIDR: string;
}

/** What every backend is asked to do; `changed` lists service ports (servicePortName + protocol) touched since the last sync. */
export interface SyncRequest {
  node: NodeInfo;
  services: ServicePort[];
  /** undefined = full sync (rewrite everything); otherwise a partial sync may touch only these. */
  changed?: Set<string>;
  /** The same services by serviceKey(), so a partial sync finds the changed ones without a scan. */
  byKey?: ReadonlyMap<string, ServicePort>;
}

export interface SyncResult {
  /** Rules or elements written in this sync (for metrics). */
  rulesWritten: number;
  /** Total rules the backend holds after the sync. */
  rulesTotal: number;
}

export interface ProxyBackend {
  readonly mode: string;
  /** The periodic sync is a full one (kube-proxy's IPVS proxier reconciles with the kernel on every sync; partial syncs are iptables' and nftables'). */
  readonly fullPeriodicSync?: boolean;
  /** Programs the kernel so it matches the request, in one atomic transaction. */
  sync(req: SyncRequest): Promise<SyncResult>;
  /** Removes everything this backend ever installed (kube-proxy --cleanup). */
  cleanup(): Promise<void>;
  /** True when the backend's rules were changed behind its back (canary gone). */
  tampered(): Promise<boolean>;
}

export function serviceKey(sp: Pick<ServicePort, 'namespace' | 'name' | 'portName' | 'protocol'>): string {
  return `${servicePortName(sp)}/${sp.protocol}`;
}
