// Cluster IPs and nodePorts of Services, kept in step by the Service strategy. On the
// embedded store they are in memory, rebuilt from the stored Services on start (so
// nothing leaks after a crash); on etcd, shared by every API server, they are keys
// in the store (store-book.ts), and a repair loop (repair.ts) fixes what a crash left.
import { invalid } from '../../api/errors.js';
import type { Service } from '../../api/types.js';
import { fieldErrors, type FieldError } from '../../api/validation/field.js';
import { ipAllocatedError, portAllocatedError } from '../../api/validation/service.js';
import { cidrSize, contains, formatIp, parseCidr, parseIp, type Cidr } from '../../net/cidr.js';
import { pickFree, RangeAllocator, type AllocationBook, type Owner } from './allocator.js';
import { rangeTypes, StoreBook } from './store-book.js';
import type { Reservation } from '../registry.js';
import type { ObjectStore } from '../store.js';

export interface AllocationConfig {
  serviceCIDR: string;
  nodePortRange: { min: number; max: number };
}

export function clusterIPsOf(svc: Service): string[] {
  const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => ip && ip !== 'None');
}

export function nodePortsOf(svc: Service): number[] {
  return [...new Set((svc.spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => typeof n === 'number' && n > 0))];
}

function needsClusterIP(svc: Service): boolean {
  return svc.spec.type !== 'ExternalName' && svc.spec.clusterIP !== 'None';
}

function needsNodePorts(svc: Service): boolean {
  return svc.spec.type === 'NodePort' || (svc.spec.type === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);
}

function ownerOf(svc: Service): Owner {
  return { namespace: svc.metadata.namespace, name: svc.metadata.name, uid: svc.metadata.uid };
}

export class ServiceAllocations {
  readonly cidr: Cidr;
  readonly ips: AllocationBook;
  readonly ports: AllocationBook;

  /** Without a store: in memory (the embedded store's single API server); with one: keys in that store, shared by every API server on it. */
  constructor(readonly config: AllocationConfig, shared?: ObjectStore) {
    this.cidr = parseCidr(config.serviceCIDR)!;
    const size = cidrSize(this.cidr);
    // Network address, the first address (the kubernetes service) and broadcast are never dynamic.
    const ipBand = Math.min(Math.max(16, Math.floor(size / 16)), 256);
    const ipReserved = new Set([0, size - 1]);
    const portCount = config.nodePortRange.max - config.nodePortRange.min + 1;
    const portBand = Math.min(Math.max(16, Math.floor(portCount / 32)), 128);
    if (shared) {
      this.ips = new StoreBook(shared, rangeTypes.ips, size, ipBand, ipReserved, (o) => formatIp(this.cidr.base + o), (key) => this.ipOffset(key));
      this.ports = new StoreBook(shared, rangeTypes.ports, portCount, portBand, new Set(), (o) => String(this.config.nodePortRange.min + o), (key) => (/^\d+$/.test(key) ? this.portOffset(Number(key)) : undefined));
    } else {
      this.ips = new RangeAllocator(size, ipBand, ipReserved);
      this.ports = new RangeAllocator(portCount, portBand);
    }
  }

  /**
   * The allocations of an API server on store: keys in it when other API servers may share it (a store
   * with sync(), etcd), else in memory, rebuilt from the stored Services.
   */
  static on(store: ObjectStore, config: AllocationConfig): ServiceAllocations {
    if (store.sync) return new ServiceAllocations(config, store);
    const allocations = new ServiceAllocations(config);
    allocations.load(store.list('core/services') as Service[]);
    return allocations;
  }

  /** In memory only: rebuilds the bitmaps from every stored Service. */
  load(services: Service[]): void {
    if (!(this.ips instanceof RangeAllocator) || !(this.ports instanceof RangeAllocator)) return;
    for (const svc of services) {
      for (const ip of clusterIPsOf(svc)) this.ips.takeNow(parseIp(ip)! - this.cidr.base);
      for (const p of nodePortsOf(svc)) this.ports.takeNow(p - this.config.nodePortRange.min);
    }
  }

  ipOffset(ip: string): number | undefined {
    const n = parseIp(ip);
    return n === undefined || !contains(this.cidr, n) ? undefined : n - this.cidr.base;
  }

  portOffset(port: number): number {
    return port - this.config.nodePortRange.min;
  }

  /**
   * Fills in and reserves what svc needs that old (the stored version, if any)
   * does not already hold; throws 422 when a requested value is taken. With
   * dryRun nothing is reserved. The caller rolls the reservation back when the
   * write fails and commits it once the write is stored.
   */
  async allocate(svc: Service, old: Service | undefined, dryRun: boolean): Promise<Reservation> {
    const errs: FieldError[] = [];
    const owner = ownerOf(svc);
    const taken: { book: AllocationBook; offset: number }[] = [];
    const chosen = new Map<AllocationBook, Set<number>>([
      [this.ips, new Set()],
      [this.ports, new Set()],
    ]);
    // Takes offset for svc; a dry run only checks it is free.
    const take = async (book: AllocationBook, offset: number): Promise<boolean> => {
      const ok = dryRun ? !book.has(offset) && book.inRange(offset) : await book.take(offset, owner);
      if (ok) {
        chosen.get(book)!.add(offset);
        if (!dryRun) taken.push({ book, offset });
      }
      return ok;
    };
    // A free offset, taken; picks again when another API server took it first.
    const takeAny = async (book: AllocationBook, skip: Set<number>): Promise<number | undefined> => {
      for (;;) {
        const offset = pickFree(book, new Set([...skip, ...chosen.get(book)!]));
        if (offset === undefined || (await take(book, offset))) return offset;
      }
    };
    const rollback = async (): Promise<void> => {
      for (const { book, offset } of taken.splice(0)) await book.release(offset, owner);
    };
    try {
      const oldIPs = new Set(old ? clusterIPsOf(old) : []);
      const oldPorts = new Set(old ? nodePortsOf(old) : []);
      if (needsClusterIP(svc)) {
        const wanted = svc.spec.clusterIP;
        if (!wanted) {
          const offset = await takeAny(this.ips, new Set());
          if (offset === undefined) errs.push(fieldErrors.invalid('spec.clusterIPs', '', `failed to allocate IP from ${this.config.serviceCIDR}: range is full`));
          else {
            const ip = formatIp(this.cidr.base + offset);
            svc.spec.clusterIP = ip;
            svc.spec.clusterIPs = [ip];
          }
        } else if (!oldIPs.has(wanted)) {
          const offset = this.ipOffset(wanted);
          if (offset !== undefined && !(await take(this.ips, offset))) errs.push(ipAllocatedError('spec.clusterIPs[0]', wanted));
          svc.spec.clusterIPs = [wanted];
        }
      }
      if (needsNodePorts(svc)) {
        // The same service port number on TCP and UDP shares one nodePort.
        const byPort = new Map<number, number>();
        const mine = new Set((svc.spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n).map((n) => this.portOffset(n)));
        for (const [i, p] of (svc.spec.ports ?? []).entries()) {
          if (!p.nodePort) continue;
          byPort.set(p.port, p.nodePort);
          const offset = this.portOffset(p.nodePort);
          if (oldPorts.has(p.nodePort) || chosen.get(this.ports)!.has(offset)) continue;
          if (!this.ports.inRange(offset)) continue; // validation reports the range
          if (!(await take(this.ports, offset))) errs.push(portAllocatedError(`spec.ports[${i}].nodePort`, p.nodePort));
        }
        for (const p of svc.spec.ports ?? []) {
          if (p.nodePort) continue;
          const shared = byPort.get(p.port);
          if (shared) {
            p.nodePort = shared;
            continue;
          }
          const offset = await takeAny(this.ports, mine);
          if (offset === undefined) {
            errs.push(fieldErrors.invalid('spec.ports', '', 'failed to allocate a nodePort: range is full'));
            continue;
          }
          p.nodePort = offset + this.config.nodePortRange.min;
          byPort.set(p.port, p.nodePort);
        }
      }
    } catch (e) {
      await rollback();
      throw e;
    }
    if (errs.length > 0) {
      await rollback();
      throw invalid('Service', svc.metadata.name ?? '', errs);
    }
    return { rollback, commit: () => (old && !dryRun ? this.release(old, svc) : Promise.resolve()) };
  }

  /** Releases what old held and svc (the new version; undefined on delete) no longer does. */
  async release(old: Service, svc: Service | undefined): Promise<void> {
    const keepIPs = new Set(svc ? clusterIPsOf(svc) : []);
    const keepPorts = new Set(svc ? nodePortsOf(svc) : []);
    const owner = ownerOf(old);
    for (const ip of clusterIPsOf(old)) {
      const offset = this.ipOffset(ip);
      if (!keepIPs.has(ip) && offset !== undefined) await this.ips.release(offset, owner);
    }
    for (const p of nodePortsOf(old)) if (!keepPorts.has(p)) await this.ports.release(this.portOffset(p), owner);
  }
}
