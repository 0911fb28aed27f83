// The cluster zone (cluster.local): records of the Kubernetes DNS-Based Service
// Discovery spec 1.1.0 as CoreDNS's kubernetes plugin serves them, computed per
// query from the ClusterView indexes.
import type { Answer } from 'dns-packet';
import type { ClusterView, DnsEndpoint, DnsPort, DnsService } from './cluster-view.js';
import { ipFromDashed, ipFromReverse, isReverseName, isSubdomain, trimDot } from './names.js';
import type { Zone, ZoneAnswer } from './zone.js';

const SCHEMA_VERSION = '1.1.0';
const VERSION_TTL = 28800;

export interface ClusterZoneOptions {
  zone?: string;
  ttl?: number;
}

const addressType = (ip: string): 'A' | 'AAAA' => (ip.includes(':') ? 'AAAA' : 'A');

export class ClusterZone implements Zone {
  readonly origin: string;
  readonly ttl: number;

  constructor(private readonly view: ClusterView, opts: ClusterZoneOptions = {}) {
    this.origin = trimDot(opts.zone ?? 'cluster.local').toLowerCase();
    this.ttl = opts.ttl ?? 5;
  }

  lookup(qname: string, type: string): ZoneAnswer | undefined {
    const name = trimDot(qname).toLowerCase();
    if (isSubdomain(name, this.origin)) return this.inZone(trimDot(qname), name, type);
    if (type === 'PTR' && isReverseName(name)) return this.reverse(trimDot(qname), name);
    return undefined;
  }

  soa(): Answer {
    return {
      name: this.origin,
      type: 'SOA',
      ttl: this.ttl,
      data: { mname: `ns.dns.${this.origin}`, rname: `hostmaster.${this.origin}`, serial: this.view.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.ttl },
    };
  }

  private inZone(owner: string, name: string, type: string): ZoneAnswer {
    const rel = name === this.origin ? [] : name.slice(0, name.length - this.origin.length - 1).split('.');
    if (rel.length === 0) {
      if (type === 'SOA') return this.records([this.soa()]);
      if (type === 'NS') return this.records([{ name: owner, type: 'NS', ttl: this.ttl, data: `ns.dns.${this.origin}` }]);
      return this.nodata();
    }
    if (rel.length === 1 && rel[0] === 'dns-version') {
      return this.records(type === 'TXT' ? [{ name: owner, type: 'TXT', ttl: VERSION_TTL, data: SCHEMA_VERSION }] : []);
    }
    const kind = rel.pop();
    if (kind === 'svc') return this.serviceName(owner, rel, type);
    if (kind === 'pod') return this.podName(owner, rel, type);
    return this.nxdomain();
  }

  /** rel = labels before `svc`: [], [ns], [svc, ns], [endpoint, svc, ns] or [_port, _proto, svc, ns]. */
  private serviceName(owner: string, rel: string[], type: string): ZoneAnswer {
    if (rel.length === 0) return this.nodata();
    const ns = rel[rel.length - 1]!;
    if (rel.length === 1) return this.view.hasNamespace(ns) ? this.nodata() : this.nxdomain();
    if (rel.length > 4 || !this.view.hasNamespace(ns)) return this.nxdomain();
    const svc = this.view.service(ns, rel[rel.length - 2]!);
    if (!svc) return this.nxdomain();
    if (rel.length === 2) return this.serviceRecords(owner, svc, type);
    if (rel.length === 3) {
      const eps = this.view.endpointsByHostname(ns, svc.name, rel[0]!);
      if (eps.length === 0) return this.nxdomain();
      return type === 'SRV' ? this.endpointSrv(owner, svc, eps, () => true) : this.addresses(owner, eps.map((e) => e.ip), type);
    }
    const [port, proto] = rel as [string, string];
    if (svc.kind === 'ExternalName' || port.length < 2 || proto.length < 2 || port[0] !== '_' || proto[0] !== '_') return this.nxdomain();
    const matches = (p: DnsPort): boolean => p.name === port.slice(1) && p.protocol === proto.slice(1);
    if (svc.kind === 'ClusterIP') {
      if (!svc.ports.some(matches)) return this.nxdomain();
      return type === 'SRV' ? this.clusterIPSrv(owner, svc, matches) : this.nodata();
    }
    const eps = this.view.endpoints(ns, svc.name).filter((e) => e.ports.some(matches));
    if (eps.length === 0) return this.nxdomain();
    return type === 'SRV' ? this.endpointSrv(owner, svc, eps, matches) : this.nodata();
  }

  /** `<svc>.<ns>.svc.<zone>` of any kind of service. */
  private serviceRecords(owner: string, svc: DnsService, type: string): ZoneAnswer {
    if (svc.kind === 'ExternalName') {
      const cname = { name: owner, type: 'CNAME', ttl: this.ttl, data: svc.externalName } as const;
      return { rcode: 'NOERROR', answers: [cname], alias: type === 'CNAME' ? undefined : svc.externalName };
    }
    if (svc.kind === 'Headless') {
      const eps = this.view.endpoints(svc.namespace, svc.name);
      if (eps.length === 0) return this.nxdomain();
      return type === 'SRV' ? this.endpointSrv(owner, svc, eps, () => true) : this.addresses(owner, eps.map((e) => e.ip), type);
    }
    if (type !== 'SRV') return this.addresses(owner, svc.clusterIPs, type);
    return this.clusterIPSrv(owner, svc, () => true);
  }

  private clusterIPSrv(owner: string, svc: DnsService, matches: (p: DnsPort) => boolean): ZoneAnswer {
    const target = `${svc.name}.${svc.namespace}.svc.${this.origin}`;
    const ports = svc.ports.filter(matches);
    const weight = Math.floor(100 / Math.max(ports.length, 1));
    const answers: Answer[] = ports.map((p) => ({ name: owner, type: 'SRV', ttl: this.ttl, data: { priority: 0, weight, port: p.port, target } }));
    const additionals: Answer[] = answers.length ? svc.clusterIPs.map((ip) => ({ name: target, type: addressType(ip), ttl: this.ttl, data: ip })) : [];
    return answers.length ? { rcode: 'NOERROR', answers, additionals } : this.nodata();
  }

  private endpointSrv(owner: string, svc: DnsService, eps: DnsEndpoint[], matches: (p: DnsPort) => boolean): ZoneAnswer {
    const pairs = eps.flatMap((ep) => ep.ports.filter(matches).map((p) => [ep, p] as const));
    const weight = Math.floor(100 / Math.max(pairs.length, 1));
    const host = (ep: DnsEndpoint): string => `${ep.hostname}.${svc.name}.${svc.namespace}.svc.${this.origin}`;
    const answers: Answer[] = pairs.map(([ep, p]) => ({ name: owner, type: 'SRV', ttl: this.ttl, data: { priority: 0, weight, port: p.port, target: host(ep) } }));
    const withPorts = eps.filter((ep) => ep.ports.some(matches));
    const additionals: Answer[] = withPorts.map((ep) => ({ name: host(ep), type: addressType(ep.ip), ttl: this.ttl, data: ep.ip }));
    return answers.length ? { rcode: 'NOERROR', answers, additionals } : this.nodata();
  }

  /** A or AAAA records of the addresses of the asked family; other types get NODATA. */
  private addresses(owner: string, ips: string[], type: string): ZoneAnswer {
    if (type !== 'A' && type !== 'AAAA') return this.nodata();
    return this.records(ips.filter((ip) => addressType(ip) === type).map((ip) => ({ name: owner, type, ttl: this.ttl, data: ip })));
  }

  /** `a-b-c-d.<ns>.pod.<zone>` in CoreDNS "pods insecure" mode: any well-formed dashed IP in an existing namespace. */
  private podName(owner: string, rel: string[], type: string): ZoneAnswer {
    if (rel.length === 0) return this.nodata();
    if (rel.length > 2 || !this.view.hasNamespace(rel[rel.length - 1]!)) return this.nxdomain();
    if (rel.length === 1) return this.nodata();
    const ip = ipFromDashed(rel[0]!);
    return ip ? this.addresses(owner, [ip], type) : this.nxdomain();
  }

  /** PTR of a cluster IP or a service endpoint; other reverse names are not ours (CoreDNS falls through). */
  private reverse(owner: string, name: string): ZoneAnswer | undefined {
    const ip = ipFromReverse(name);
    const names = ip ? this.view.namesForIP(ip) : [];
    if (names.length === 0) return undefined;
    return this.records(names.map((n) => ({ name: owner, type: 'PTR', ttl: this.ttl, data: `${n}.${this.origin}` })));
  }

  private records(answers: Answer[]): ZoneAnswer {
    return answers.length ? { rcode: 'NOERROR', answers } : this.nodata();
  }

  private nodata(): ZoneAnswer {
    return { rcode: 'NOERROR', answers: [], authorities: [this.soa()] };
  }

  private nxdomain(): ZoneAnswer {
    return { rcode: 'NXDOMAIN', answers: [], authorities: [this.soa()] };
  }
}
