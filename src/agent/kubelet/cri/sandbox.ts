// Pod sandbox records and their wiring, shared by the container runtimes: a
// network namespace per pod, wired to its node by a routed veth (pod default
// route via 169.254.1.1, proxy_arp on the node side, a /32 route per pod).
// Records on disk let a restarted agent find every sandbox again.
import fs from 'node:fs';
import path from 'node:path';
import { formatIp, hostAt, parseCidr, parseIp } from '../../../net/cidr.js';
import { ip, ipBatch } from '../../../net/ip.js';

export interface SandboxRecord {
  uid: string;
  namespace: string;
  name: string;
  netns: string;
  ip: string;
  hostVeth: string;
  createdAt: string;
  /** docker runtime: the pause container holding the pod's namespaces. */
  pauseId?: string;
}

const gatewayIP = '169.254.1.1';

export class Sandboxes {
  constructor(
    readonly lab: string,
    /** Where this node keeps per-pod state: <dir>/<uid>/sandbox.json. */
    readonly dir: string,
    readonly podCIDR: string,
    /** Both ends of every pod veth (the node network's MTU, so no pod sends what the overlay cannot carry). */
    readonly mtu?: number,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  podDir(uid: string): string {
    return path.join(this.dir, uid);
  }

  list(): SandboxRecord[] {
    const out: SandboxRecord[] = [];
    for (const uid of fs.readdirSync(this.dir)) {
      try {
        out.push(JSON.parse(fs.readFileSync(path.join(this.dir, uid, 'sandbox.json'), 'utf8')) as SandboxRecord);
      } catch {
        /* half-created: cleaned by the kubelet's orphan sweep */
      }
    }
    return out;
  }

  get(uid: string): SandboxRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.podDir(uid), 'sandbox.json'), 'utf8')) as SandboxRecord;
    } catch {
      return undefined;
    }
  }

  /** First free address of the node's pod CIDR, from .2 on (.1 stays free, as on kubenet's cbr0). */
  private allocateIP(): string {
    const cidr = parseCidr(this.podCIDR)!;
    const used = new Set(this.list().map((r) => parseIp(r.ip)));
    const size = 2 ** (32 - cidr.prefix);
    for (let i = 2; i < size - 1; i++) {
      const candidate = hostAt(cidr, i);
      if (!used.has(candidate)) return formatIp(candidate);
    }
    throw new Error(`no free pod IP left in ${this.podCIDR}`);
  }

  /** A new record with a free IP, written first: a crash half-way leaves something the sweep can find. */
  reserve(uid: string, namespace: string, name: string, extra: Partial<SandboxRecord> = {}): SandboxRecord {
    const dir = this.podDir(uid);
    fs.mkdirSync(dir, { recursive: true });
    const rec: SandboxRecord = {
      uid,
      namespace,
      name,
      netns: `svclab-${this.lab}-pod-${uid.slice(0, 13).replace(/-$/, '')}`,
      ip: this.allocateIP(),
      hostVeth: `veth${uid.replaceAll('-', '').slice(0, 10)}`,
      createdAt: new Date().toISOString(),
      ...extra,
    };
    this.save(rec);
    return rec;
  }

  save(rec: SandboxRecord): void {
    fs.writeFileSync(path.join(this.podDir(rec.uid), 'sandbox.json'), JSON.stringify(rec));
  }

  /** The CNI part: a routed veth between the node and the pod's (named) network namespace. */
  async wire(rec: SandboxRecord): Promise<void> {
    const mtu = this.mtu ? ` mtu ${this.mtu}` : '';
    await ipBatch([`link add ${rec.hostVeth}${mtu} type veth peer name eth0${mtu} netns ${rec.netns}`, `link set ${rec.hostVeth} up`, `route replace ${rec.ip}/32 dev ${rec.hostVeth} scope link`]);
    fs.writeFileSync(`/proc/sys/net/ipv4/conf/${rec.hostVeth}/proxy_arp`, '1');
    fs.writeFileSync(`/proc/sys/net/ipv4/neigh/${rec.hostVeth}/proxy_delay`, '0');
    await ipBatch(
      ['link set lo up', `addr add ${rec.ip}/32 dev eth0`, 'link set eth0 up', `route add ${gatewayIP} dev eth0 scope link`, `route add default via ${gatewayIP} dev eth0`],
      rec.netns,
    );
  }

  /** Removes the node side of the wiring and the pod's state directory. */
  async release(rec: SandboxRecord): Promise<void> {
    await ip(['link', 'del', rec.hostVeth]).catch(() => undefined);
    fs.rmSync(this.podDir(rec.uid), { recursive: true, force: true });
  }
}
