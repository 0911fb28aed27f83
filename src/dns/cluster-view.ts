// What the cluster DNS knows about the cluster: services, the endpoints DNS
// publishes for them (as CoreDNS: every service's ready endpoints get names and
// PTR records; only headless services answer their own name with them), and the indexes that make every query a few
// map lookups (forward by namespace/name, reverse by IP).
import type { EndpointSlice, Namespace, Pod, Service } from '../api/types.js';
import { canonicalIp, dashedIp } from './names.js';

export interface DnsPort {
  name: string;
  protocol: string; // lower-case: tcp, udp, sctp
  port: number;
}

export interface DnsService {
  name: string;
  namespace: string;
  kind: 'ClusterIP' | 'Headless' | 'ExternalName';
  clusterIPs: string[];
  externalName: string;
  ports: DnsPort[];
  publishNotReadyAddresses: boolean;
}

/** One address of a service that DNS publishes. */
export interface DnsEndpoint {
  ip: string;
  hostname: string;
  ports: DnsPort[];
}

interface PublishedEntry {
  endpoints: DnsEndpoint[];
  byHostname: Map<string, DnsEndpoint[]>;
  /** [ip, `<hostname>.<svc>.<ns>.svc`] entries this service put in byEndpointIP */
  ptrs: [string, string][];
  pods: string[];
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

function addTo<V>(index: Map<string, Set<V>>, key: string, value: V): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<V>(index: Map<string, Set<V>>, key: string, value: V): void {
  const set = index.get(key);
  if (set?.delete(value) && set.size === 0) index.delete(key);
}

function dnsPorts(ports: { name?: string; protocol?: string; port?: number }[] | undefined): DnsPort[] {
  return (ports ?? [])
    .filter((p) => typeof p.port === 'number')
    .map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port! }));
}

function toDnsService(svc: Service): DnsService {
  const spec = svc.spec ?? {};
  const ips = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP ?? ''])
    .map((ip) => canonicalIp(ip))
    .filter((ip): ip is string => ip !== undefined);
  const kind = spec.type === 'ExternalName' ? 'ExternalName' : spec.clusterIP === 'None' ? 'Headless' : 'ClusterIP';
  return {
    name: svc.metadata.name!,
    namespace: svc.metadata.namespace ?? 'default',
    kind,
    clusterIPs: kind === 'ClusterIP' ? ips : [],
    externalName: (spec.externalName ?? '').toLowerCase().replace(/\.$/, ''),
    ports: dnsPorts(spec.ports),
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
  };
}

export class ClusterView {
  private readonly services = new Map<string, DnsService>();
  private readonly namespaces = new Set<string>();
  /** pod key -> the two fields that can name an endpoint */
  private readonly pods = new Map<string, { hostname?: string; subdomain?: string }>();
  /** service key -> slice key -> slice */
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  /** slice key -> the service key it was filed under */
  private readonly sliceOwner = new Map<string, string>();
  private readonly published = new Map<string, PublishedEntry>();
  /** cluster IP -> service keys */
  private readonly byClusterIP = new Map<string, Set<string>>();
  /** endpoint IP -> `<hostname>.<svc>.<ns>` of the services it is an endpoint of */
  private readonly byEndpointIP = new Map<string, Set<string>>();
  /** pod key -> services whose endpoints name it */
  private readonly podUsers = new Map<string, Set<string>>();
  private modified = Math.floor(Date.now() / 1000);

  /** Unix time of the last change, the SOA serial (as CoreDNS does). */
  get serial(): number {
    return this.modified;
  }

  get size(): { services: number; endpointSlices: number; pods: number; namespaces: number } {
    return { services: this.services.size, endpointSlices: this.sliceOwner.size, pods: this.pods.size, namespaces: this.namespaces.size };
  }

  upsertNamespace(ns: Namespace): void {
    this.namespaces.add(ns.metadata.name!);
    this.touch();
  }

  deleteNamespace(ns: Namespace): void {
    this.namespaces.delete(ns.metadata.name!);
    this.touch();
  }

  upsertService(svc: Service): void {
    const next = toDnsService(svc);
    const key = keyOf(next.namespace, next.name);
    this.unindexService(key);
    this.services.set(key, next);
    for (const ip of next.clusterIPs) addTo(this.byClusterIP, ip, key);
    this.rebuild(key);
  }

  deleteService(svc: Service): void {
    const key = keyOf(svc.metadata.namespace ?? 'default', svc.metadata.name!);
    this.unindexService(key);
    this.services.delete(key);
    this.rebuild(key);
  }

  upsertEndpointSlice(slice: EndpointSlice): void {
    const sliceKey = keyOf(slice.metadata.namespace ?? 'default', slice.metadata.name!);
    const owner = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    const svcKey = owner ? keyOf(slice.metadata.namespace ?? 'default', owner) : undefined;
    const previous = this.sliceOwner.get(sliceKey);
    if (previous && previous !== svcKey) this.removeSlice(sliceKey);
    if (!svcKey) return;
    let bySlice = this.slices.get(svcKey);
    if (!bySlice) this.slices.set(svcKey, (bySlice = new Map()));
    bySlice.set(sliceKey, slice);
    this.sliceOwner.set(sliceKey, svcKey);
    this.rebuild(svcKey);
  }

  deleteEndpointSlice(slice: EndpointSlice): void {
    this.removeSlice(keyOf(slice.metadata.namespace ?? 'default', slice.metadata.name!));
  }

  upsertPod(pod: Pod): void {
    const key = keyOf(pod.metadata.namespace ?? 'default', pod.metadata.name!);
    const next = { hostname: pod.spec?.hostname, subdomain: pod.spec?.subdomain };
    const old = this.pods.get(key);
    this.pods.set(key, next);
    // Pods change status all the time; only their naming fields matter here.
    if (old?.hostname === next.hostname && old?.subdomain === next.subdomain) return;
    for (const svcKey of [...(this.podUsers.get(key) ?? [])]) this.rebuild(svcKey);
  }

  deletePod(pod: Pod): void {
    const key = keyOf(pod.metadata.namespace ?? 'default', pod.metadata.name!);
    this.pods.delete(key);
    for (const svcKey of [...(this.podUsers.get(key) ?? [])]) this.rebuild(svcKey);
  }

  hasNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  service(namespace: string, name: string): DnsService | undefined {
    return this.services.get(keyOf(namespace, name));
  }

  /** The endpoints a service publishes (ready ones, or all with publishNotReadyAddresses). */
  endpoints(namespace: string, name: string): DnsEndpoint[] {
    return this.published.get(keyOf(namespace, name))?.endpoints ?? [];
  }

  endpointsByHostname(namespace: string, name: string, hostname: string): DnsEndpoint[] {
    return this.published.get(keyOf(namespace, name))?.byHostname.get(hostname) ?? [];
  }

  /** Names (without zone) PTR records give for an IP: services by cluster IP, else service endpoints. */
  namesForIP(ip: string): string[] {
    const services = this.byClusterIP.get(ip);
    if (services) return [...services].map((key) => { const svc = this.services.get(key)!; return `${svc.name}.${svc.namespace}.svc`; });
    return [...(this.byEndpointIP.get(ip) ?? [])];
  }

  private touch(): void {
    this.modified = Math.floor(Date.now() / 1000);
  }

  private unindexService(key: string): void {
    for (const ip of this.services.get(key)?.clusterIPs ?? []) removeFrom(this.byClusterIP, ip, key);
  }

  private removeSlice(sliceKey: string): void {
    const svcKey = this.sliceOwner.get(sliceKey);
    if (!svcKey) return;
    this.sliceOwner.delete(sliceKey);
    const bySlice = this.slices.get(svcKey)!;
    bySlice.delete(sliceKey);
    if (bySlice.size === 0) this.slices.delete(svcKey);
    this.rebuild(svcKey);
  }

  /** Recomputes the published endpoints of one service and its reverse entries. */
  private rebuild(svcKey: string): void {
    this.touch();
    const old = this.published.get(svcKey);
    if (old) {
      for (const [ip, name] of old.ptrs) removeFrom(this.byEndpointIP, ip, name);
      for (const pod of old.pods) removeFrom(this.podUsers, pod, svcKey);
      this.published.delete(svcKey);
    }
    const svc = this.services.get(svcKey);
    if (!svc || svc.kind === 'ExternalName') return;
    const entry: PublishedEntry = { endpoints: [], byHostname: new Map(), ptrs: [], pods: [] };
    for (const slice of this.slices.get(svcKey)?.values() ?? []) {
      if (slice.addressType === 'FQDN') continue;
      const ports = dnsPorts(slice.ports);
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false && !svc.publishNotReadyAddresses) continue;
        const podKey = ep.targetRef?.kind === 'Pod' && ep.targetRef.name ? keyOf(ep.targetRef.namespace ?? svc.namespace, ep.targetRef.name) : undefined;
        if (podKey) entry.pods.push(podKey);
        for (const address of ep.addresses ?? []) {
          const ip = canonicalIp(address);
          if (!ip) continue;
          const hostname = (ep.hostname ?? this.podHostname(podKey, svc) ?? dashedIp(ip)).toLowerCase();
          const dnsEp = { ip, hostname, ports };
          entry.endpoints.push(dnsEp);
          entry.ptrs.push([ip, `${hostname}.${svc.name}.${svc.namespace}.svc`]);
          const same = entry.byHostname.get(hostname);
          if (same) same.push(dnsEp);
          else entry.byHostname.set(hostname, [dnsEp]);
        }
      }
    }
    this.published.set(svcKey, entry);
    for (const [ip, name] of entry.ptrs) addTo(this.byEndpointIP, ip, name);
    for (const pod of entry.pods) addTo(this.podUsers, pod, svcKey);
  }

  /** A pod's own hostname counts when its subdomain is this service (what the EndpointSlice controller copies). */
  private podHostname(podKey: string | undefined, svc: DnsService): string | undefined {
    const pod = podKey ? this.pods.get(podKey) : undefined;
    return pod?.hostname && pod.subdomain === svc.name ? pod.hostname : undefined;
  }
}
