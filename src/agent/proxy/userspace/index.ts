// The userspace proxy mode: each service port gets a proxy socket in the agent;
// "portal" rules DNAT the cluster IP, external IPs and nodePorts to it
// (KUBE-PORTALS-CONTAINER/-HOST, KUBE-NODEPORT-CONTAINER/-HOST). A service port
// with no ready endpoint has no socket, so connections are refused at once.
import { commandRunner, type Exec } from '../exec.js';
import { serviceKey, servicePortName, type ProxyBackend, type ServicePort, type SyncRequest, type SyncResult } from '../model.js';
import { RoundRobin } from './balancer.js';
import { tcpProxy, udpProxy, type ProxySocket } from './proxy-socket.js';

const chains = ['KUBE-PORTALS-CONTAINER', 'KUBE-PORTALS-HOST', 'KUBE-NODEPORT-CONTAINER', 'KUBE-NODEPORT-HOST'];
// Filter chain refusing service ports that have no endpoint (no socket, so no portal): connection refused at once.
const rejectChain = 'KUBE-PORTALS-REJECT';
const jumps: [string, string, string, string][] = [
  ['nat', 'PREROUTING', 'KUBE-PORTALS-CONTAINER', ''],
  ['nat', 'PREROUTING', 'KUBE-NODEPORT-CONTAINER', '-m addrtype --dst-type LOCAL '],
  ['nat', 'OUTPUT', 'KUBE-PORTALS-HOST', ''],
  ['nat', 'OUTPUT', 'KUBE-NODEPORT-HOST', '-m addrtype --dst-type LOCAL '],
  ['filter', 'FORWARD', rejectChain, ''],
  ['filter', 'OUTPUT', rejectChain, ''],
  ['filter', 'INPUT', rejectChain, ''],
];

interface Proxied {
  sp: ServicePort;
  balancer: RoundRobin;
  socket?: ProxySocket;
  /** Kept across socket re-opens so the portal rules stay put. */
  port?: number;
}

export interface UserspaceOptions {
  udpIdleMs?: number;
  exec?: string[];
}

export function portalRules(proxied: Iterable<{ sp: ServicePort; port?: number; open: boolean }>, nodeIP: string): string {
  const lines = ['*nat', ...chains.map((c) => `:${c} - [0:0]`)];
  const reject = ['*filter', `:${rejectChain} - [0:0]`];
  for (const { sp, port, open } of proxied) {
    if (!open || !port) {
      const proto = sp.protocol.toLowerCase();
      const comment = `-m comment --comment "${servicePortName(sp)} has no endpoints"`;
      for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) reject.push(`-A ${rejectChain} -d ${ip}/32 -p ${proto} ${comment} -m ${proto} --dport ${sp.port} -j REJECT`);
      if (sp.nodePort) reject.push(`-A ${rejectChain} -m addrtype --dst-type LOCAL -p ${proto} ${comment} -m ${proto} --dport ${sp.nodePort} -j REJECT`);
      continue;
    }
    const proto = sp.protocol.toLowerCase();
    const to = `-j DNAT --to-destination ${nodeIP}:${port}`;
    const comment = `-m comment --comment "${servicePortName(sp)}"`;
    for (const ip of [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs]) {
      const m = `-d ${ip}/32 -p ${proto} ${comment} -m ${proto} --dport ${sp.port}`;
      lines.push(`-A KUBE-PORTALS-CONTAINER ${m} ${to}`, `-A KUBE-PORTALS-HOST ${m} ${to}`);
    }
    if (sp.nodePort) {
      const m = `-p ${proto} ${comment} -m ${proto} --dport ${sp.nodePort}`;
      lines.push(`-A KUBE-NODEPORT-CONTAINER ${m} ${to}`, `-A KUBE-NODEPORT-HOST ${m} ${to}`);
    }
  }
  lines.push('COMMIT', ...reject, 'COMMIT', '');
  return lines.join('\n');
}

export class UserspaceBackend implements ProxyBackend {
  readonly mode = 'userspace';
  private readonly proxied = new Map<string, Proxied>();
  private readonly cmd: Exec;

  constructor(private readonly o: UserspaceOptions = {}) {
    this.cmd = commandRunner(o.exec);
  }

  private async ensureJumps(): Promise<void> {
    for (const [table, from, to, match] of jumps) {
      const spec = [...match.trim().split(' ').filter(Boolean), '-j', to];
      if ((await this.cmd('iptables', ['-t', table, '-C', from, ...spec])).exitCode === 0) continue;
      await this.cmd('iptables-restore', ['--noflush'], `*${table}\n:${to} - [0:0]\n-A ${from} ${match}-j ${to}\nCOMMIT\n`);
    }
  }

  async sync(req: SyncRequest): Promise<SyncResult> {
    await this.ensureJumps();
    const want = new Map(req.services.filter((sp) => sp.protocol !== 'SCTP').map((sp) => [serviceKey(sp), sp]));
    for (const [key, p] of this.proxied) {
      if (want.has(key)) continue;
      p.socket?.close();
      this.proxied.delete(key);
    }
    for (const [key, sp] of want) {
      const targets = sp.endpoints.filter((e) => e.ready && (!sp.internalPolicyLocal || e.local)).map((e) => ({ ip: e.ip, port: e.port }));
      const affinity = sp.sessionAffinity === 'ClientIP' ? sp.stickyMaxAgeSeconds : undefined;
      let p = this.proxied.get(key);
      if (!p) {
        p = { sp, balancer: new RoundRobin(targets, affinity) };
        this.proxied.set(key, p);
      }
      p.sp = sp;
      p.balancer.update(targets, affinity);
      if (targets.length === 0 && p.socket) {
        p.socket.close();
        p.socket = undefined;
      } else if (targets.length > 0 && !p.socket) {
        const open = (port?: number): Promise<ProxySocket> => (sp.protocol === 'UDP' ? udpProxy(p!.balancer, this.o.udpIdleMs ?? 250, port) : tcpProxy(p!.balancer, port));
        p.socket = await open(p.port).catch(() => open());
        p.port = p.socket.port;
      }
    }
    const rules = portalRules([...this.proxied.values()].map((p) => ({ sp: p.sp, port: p.port, open: !!p.socket })), req.node.ips[0]!);
    const r = await this.cmd('iptables-restore', ['--noflush'], rules);
    if (r.exitCode !== 0) throw new Error(`iptables-restore: ${r.stderr.trim()}`);
    const count = rules.split('\n').filter((l) => l.startsWith('-A')).length;
    return { rulesWritten: count, rulesTotal: count };
  }

  async cleanup(): Promise<void> {
    for (const p of this.proxied.values()) p.socket?.close();
    this.proxied.clear();
    for (const [table, from, to, match] of jumps) {
      while ((await this.cmd('iptables', ['-t', table, '-D', from, ...match.trim().split(' ').filter(Boolean), '-j', to])).exitCode === 0) {
        /* remove every copy */
      }
    }
    for (const [table, c] of [...chains.map((c) => ['nat', c]), ['filter', rejectChain]]) {
      await this.cmd('iptables', ['-t', table!, '-F', c!]);
      await this.cmd('iptables', ['-t', table!, '-X', c!]);
    }
  }

  async tampered(): Promise<boolean> {
    for (const [table, from, to, match] of jumps) {
      if ((await this.cmd('iptables', ['-t', table, '-C', from, ...match.trim().split(' ').filter(Boolean), '-j', to])).exitCode !== 0) return true;
    }
    return false;
  }
}
