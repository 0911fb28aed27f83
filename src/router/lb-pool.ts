// The LoadBalancer address pool ("203.0.113.200-203.0.113.250"): who holds which IP.
import { formatIp, parseIp } from '../net/cidr.js';

export class LbPool {
  private readonly owner = new Map<string, string>(); // ip -> service key
  readonly first: number;
  readonly last: number;

  constructor(range: string) {
    const [a, b] = range.split('-');
    const first = parseIp(a ?? '');
    const last = parseIp(b ?? a ?? '');
    if (first === undefined || last === undefined || last < first) throw new Error(`invalid LoadBalancer pool "${range}" (want FIRST-LAST, e.g. 203.0.113.200-203.0.113.250)`);
    this.first = first;
    this.last = last;
  }

  contains(ip: string): boolean {
    const n = parseIp(ip);
    return n !== undefined && n >= this.first && n <= this.last;
  }

  holderOf(ip: string): string | undefined {
    return this.owner.get(ip);
  }

  /** The IP this service holds, or a new one: the requested IP when free, else the lowest free. */
  assign(key: string, requested?: string): string | undefined {
    for (const [ip, k] of this.owner) if (k === key && (!requested || requested === ip)) return ip;
    this.release(key);
    if (requested) {
      if (!this.contains(requested) || this.owner.has(requested)) return undefined;
      this.owner.set(requested, key);
      return requested;
    }
    for (let n = this.first; n <= this.last; n++) {
      const ip = formatIp(n);
      if (!this.owner.has(ip)) {
        this.owner.set(ip, key);
        return ip;
      }
    }
    return undefined;
  }

  /** Records an assignment found in a Service's status (rebuilding after a restart). */
  adopt(key: string, ip: string): boolean {
    if (!this.contains(ip) || (this.owner.has(ip) && this.owner.get(ip) !== key)) return false;
    this.owner.set(ip, key);
    return true;
  }

  release(key: string): void {
    for (const [ip, k] of [...this.owner]) if (k === key) this.owner.delete(ip);
  }

  assigned(): Map<string, string> {
    return new Map(this.owner);
  }
}
