// Cluster IPs and nodePorts of Services. Rebuilt from the stored Services on
// start (so nothing leaks after a crash), kept in step by the Service strategy.
import { invalid } from '../../api/errors.js';
import type { Service } from '../../api/types.js';
import { fieldErrors, type FieldError } from '../../api/validation/field.js';
import { ipAllocatedError, portAllocatedError } from '../../api/validation/service.js';
import { cidrSize, contains, formatIp, parseCidr, parseIp, type Cidr } from '../../net/cidr.js';
import { RangeAllocator } from './allocator.js';

export interface AllocationConfig {
  serviceCIDR: string;
  nodePortRange: { min: number; max: number };
}

function clusterIPsOf(svc: Service): string[] {
  const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => ip && ip !== 'None');
}

function nodePortsOf(svc: Service): number[] {
  return [...new Set((svc.spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === 'number' && n > 0))];
}

function needsClusterIP(svc: Service): boolean {
  return svc.spec.type !== 'ExternalName' && svc.spec.clusterIP !== 'None';
}

function needsNodePorts(svc: Service): boolean {
  return svc.spec.type === 'NodePort' || (svc.spec.type === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);
}

export class ServiceAllocations {
  readonly cidr: Cidr;
  private readonly ips: RangeAllocator;
  private readonly ports: RangeAllocator;

  constructor(readonly config: AllocationConfig) {
    this.cidr = parseCidr(config.serviceCIDR)!;
    const size = cidrSize(this.cidr);
    // Network address, the first address (the kubernetes service) and broadcast are never dynamic.
    this.ips = new RangeAllocator(size, Math.min(Math.max(16, Math.floor(size / 16)), 256), new Set([0, size - 1]));
    const portCount = config.nodePortRange.max - config.nodePortRange.min + 1;
    this.ports = new RangeAllocator(portCount, Math.min(Math.max(16, Math.floor(portCount / 32)), 128));
  }

  /** Rebuilds the bitmaps from every stored Service. */
  load(services: Service[]): void {
    for (const svc of services) {
      for (const ip of clusterIPsOf(svc)) this.ips.take(parseIp(ip)! - this.cidr.base);
      for (const p of nodePortsOf(svc)) this.ports.take(p - this.config.nodePortRange.min);
    }
  }

  private ipOffset(ip: string): number | undefined {
    const n = parseIp(ip);
    return n === undefined || !contains(this.cidr, n) ? undefined : n - this.cidr.base;
  }

  /**
   * Fills in and reserves what svc needs that old (the stored version, if any)
   * does not already hold; throws 422 when a requested value is taken. With
   * dryRun nothing is reserved.
   */
  allocate(svc: Service, old: Service | undefined, dryRun: boolean): void {
    const errs: FieldError[] = [];
    const takenIPs: number[] = [];
    const takenPorts: number[] = [];
    const oldIPs = new Set(old ? clusterIPsOf(old) : []);
    const oldPorts = new Set(old ? nodePortsOf(old) : []);
    if (needsClusterIP(svc)) {
      const wanted = svc.spec.clusterIP;
      if (!wanted) {
        const offset = this.ips.pick();
        if (offset === undefined) errs.push(fieldErrors.invalid('spec.clusterIPs', '', `failed to allocate IP from ${this.config.serviceCIDR}: range is full`));
        else {
          const ip = formatIp(this.cidr.base + offset);
          svc.spec.clusterIP = ip;
          svc.spec.clusterIPs = [ip];
          takenIPs.push(offset);
          this.ips.take(offset);
        }
      } else if (!oldIPs.has(wanted)) {
        const offset = this.ipOffset(wanted);
        if (offset !== undefined && this.ips.has(offset)) errs.push(ipAllocatedError('spec.clusterIPs[0]', wanted));
        else if (offset !== undefined) {
          takenIPs.push(offset);
          this.ips.take(offset);
        }
        svc.spec.clusterIPs = [wanted];
      }
    }
    if (needsNodePorts(svc)) {
      // The same service port number on TCP and UDP shares one nodePort.
      const byPort = new Map<number, number>();
      const mine = new Set((svc.spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
      (svc.spec.ports ?? []).forEach((p, i) => {
        if (p.nodePort) {
          byPort.set(p.port, p.nodePort);
          if (oldPorts.has(p.nodePort) || takenPorts.includes(p.nodePort - this.config.nodePortRange.min)) return;
          const offset = p.nodePort - this.config.nodePortRange.min;
          if (!this.ports.inRange(offset)) return; // validation reports the range
          if (this.ports.has(offset)) errs.push(portAllocatedError(`spec.ports[${i}].nodePort`, p.nodePort));
          else {
            this.ports.take(offset);
            takenPorts.push(offset);
          }
        }
      });
      (svc.spec.ports ?? []).forEach((p) => {
        if (p.nodePort) return;
        const shared = byPort.get(p.port);
        if (shared) {
          p.nodePort = shared;
          return;
        }
        let offset = this.ports.pick();
        while (offset !== undefined && mine.has(offset + this.config.nodePortRange.min)) {
          this.ports.take(offset);
          takenPorts.push(offset);
          offset = this.ports.pick();
        }
        if (offset === undefined) {
          errs.push(fieldErrors.invalid('spec.ports', '', 'failed to allocate a nodePort: range is full'));
          return;
        }
        this.ports.take(offset);
        takenPorts.push(offset);
        p.nodePort = offset + this.config.nodePortRange.min;
        byPort.set(p.port, p.nodePort);
      });
    }
    if (errs.length > 0 || dryRun) {
      for (const o of takenIPs) this.ips.release(o);
      for (const o of takenPorts) this.ports.release(o);
      if (errs.length > 0) throw invalid('Service', svc.metadata.name ?? '', errs);
    }
  }

  /** Releases what old held and svc (the new version; undefined on delete) no longer does. */
  release(old: Service, svc: Service | undefined): void {
    const keepIPs = new Set(svc ? clusterIPsOf(svc) : []);
    const keepPorts = new Set(svc ? nodePortsOf(svc) : []);
    for (const ip of clusterIPsOf(old)) if (!keepIPs.has(ip)) this.ips.release(parseIp(ip)! - this.cidr.base);
    for (const p of nodePortsOf(old)) if (!keepPorts.has(p)) this.ports.release(p - this.config.nodePortRange.min);
  }
}
