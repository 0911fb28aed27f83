// kube-proxy's IPVS mode. A sync computes the wanted state (virtual and real
// servers, kube-ipvs0 addresses, ipset members) and sends only the difference
// from what the kernel holds: one `ipset restore`, one `ip -batch`, one
// `ipvsadm -R`, and the constant iptables helpers with `iptables-restore
// --noflush` when they change. Full syncs (at start, every 30 s from the
// proxier, after a failure) plan every service port and read the kernel's
// state first, which repairs any drift and deletes drained real servers;
// partial syncs plan and compare only the changed service ports, from memory.
import { serviceKey, type ProxyBackend, type ServicePort, type SyncRequest, type SyncResult } from '../model.js';
import { commandRunner, mustRun, type Exec } from '../exec.js';
import { FullSync } from '../full-sync.js';
import { cleanupRestore } from '../iptables/cleanup.js';
import { hasJump, restoreArgs } from '../iptables/restore.js';
import { parseIptablesSave } from '../iptables/save.js';
import { addressChanges, parseAddresses } from './dummy.js';
import { ipsetChanges, parseIpsetSave, type SetMembers } from './ipset.js';
import { ipvsChanges, parseIpvsList, type IpvsChanges, type KernelVirtualServer } from './ipvsadm.js';
import { ipvsJumpRules, renderIpvsIptables } from './iptables.js';
import { defaultScheduler, dummyDevice, ipsetNames, isScheduler } from './names.js';
import { planService, type ServicePlan } from './plan.js';
import { noneTouched, WantedState } from './wanted.js';

export interface IpvsBackendOptions {
  /** Command prefix, e.g. ['ip', 'netns', 'exec', 'ns1'] (empty: the current namespace). */
  exec?: string[];
  /** The lab's default IPVS scheduler (rr when unset); a Service may pick another with svclab.io/ipvs-scheduler. */
  scheduler?: string;
  /** MASQUERADE --random-fully (default true). */
  randomFully?: boolean;
}

interface Programmed {
  /** The IPVS table as the last sync left it (draining real servers included). */
  virtualServers: Map<string, KernelVirtualServer>;
  /** What the iptables rules depend on (they change only when a set becomes empty or not). */
  iptables: string;
}

// Like kube-proxy: IPVS connections go through conntrack (for the masquerade rules), connections to
// deleted real servers are dropped, persistence templates of weight-0 servers expire.
const sysctls = ['net.ipv4.ip_forward=1', 'net.ipv4.vs.conntrack=1', 'net.ipv4.vs.expire_nodest_conn=1', 'net.ipv4.vs.expire_quiescent_template=1'];
const natPrerouting = ipvsJumpRules.find((j) => j.table === 'nat' && j.chain === 'PREROUTING')!;
const serviceFlag = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' } as const;

export class IpvsBackend implements ProxyBackend {
  readonly mode = 'ipvs';
  // Upstream's IPVS proxier compares with the kernel's virtual servers on every sync: a server deleted behind its back comes back within a period.
  readonly fullPeriodicSync = true;
  private readonly exec: Exec;
  private readonly scheduler: string;
  private readonly randomFully: boolean;
  private programmed?: Programmed;
  private wanted = new WantedState();
  private readonly fullSync = new FullSync();
  private sysctlsSet = false;
  private readonly warned = new Set<string>();

  constructor(opts: IpvsBackendOptions = {}) {
    this.exec = commandRunner(opts.exec);
    this.randomFully = opts.randomFully ?? true;
    this.scheduler = opts.scheduler || defaultScheduler;
    if (!isScheduler(this.scheduler)) {
      console.error(`proxy: ipvs scheduler "${this.scheduler}" is not an IPVS scheduler; using ${defaultScheduler}`);
      this.scheduler = defaultScheduler;
    }
  }

  async sync(req: SyncRequest): Promise<SyncResult> {
    const full = this.fullSync.due(req, !this.programmed);
    const plan = (sp: ServicePort): ServicePlan | undefined => {
      const p = planService(sp, req.node, this.scheduler);
      if (p?.badScheduler) this.warnOnce(`proxy: ${p.badScheduler} is not an IPVS scheduler; using ${this.scheduler}`);
      return p;
    };

    let sets: string[];
    let addresses: string[];
    let ipvs: IpvsChanges;
    let virtualServers: Map<string, KernelVirtualServer>;
    let missingJumps: typeof ipvsJumpRules = [];
    if (full) {
      this.wanted = new WantedState();
      for (const sp of req.services) this.wanted.replace(serviceKey(sp), plan(sp));
      const kernel = await this.readKernel();
      missingJumps = kernel.missingJumps;
      sets = ipsetChanges(this.wanted.members(), kernel.sets);
      addresses = addressChanges(this.wanted.addresses(), kernel.addresses);
      ipvs = ipvsChanges(this.wanted.virtualServers, kernel.virtualServers);
      virtualServers = ipvs.next;
    } else {
      // Only the changed service ports are planned again, and only what they touched is compared.
      const touched = noneTouched();
      const changed = new Map(req.services.filter((sp) => req.changed!.has(serviceKey(sp))).map((sp) => [serviceKey(sp), sp]));
      for (const key of req.changed!) {
        const sp = changed.get(key);
        this.wanted.replace(key, sp && plan(sp), touched);
      }
      const views = this.wanted.touchedViews(touched);
      sets = ipsetChanges(...views.members);
      addresses = addressChanges(...views.addresses);
      const pick = <T>(m: Map<string, T>): Map<string, T> => new Map([...touched.virtualServers].flatMap((k) => (m.has(k) ? [[k, m.get(k)!] as [string, T]] : [])));
      const programmed = this.programmed!.virtualServers;
      ipvs = ipvsChanges(pick(this.wanted.virtualServers), pick(programmed));
      virtualServers = programmed;
      for (const k of touched.virtualServers) virtualServers.delete(k);
      for (const [k, vs] of ipvs.next) virtualServers.set(k, vs);
    }

    const nonEmpty = this.wanted.nonEmptySets();
    const iptables = renderIpvsIptables({ clusterCIDR: req.node.clusterCIDR, nonEmpty, missingJumps, randomFully: this.randomFully });
    const iptablesKey = JSON.stringify([req.node.clusterCIDR, [...nonEmpty].sort()]);
    const writeIptables = full || iptablesKey !== this.programmed?.iptables;
    try {
      if (sets.length) await mustRun(this.exec, 'ipset', ['restore', '-exist'], `${sets.join('\n')}\n`);
      if (writeIptables) await mustRun(this.exec, 'iptables-restore', restoreArgs, iptables.text);
      if (addresses.length) await mustRun(this.exec, 'ip', ['-force', '-batch', '-'], `${addresses.join('\n')}\n`);
      if (ipvs.lines.length) await mustRun(this.exec, 'ipvsadm', ['-R'], `${ipvs.lines.join('\n')}\n`);
    } catch (err) {
      // Part of the batch may be in: only a full sync, from the kernel's state, is safe now.
      this.fullSync.lost();
      throw err;
    }
    this.fullSync.done(req);
    this.programmed = { virtualServers, iptables: iptablesKey };

    let reals = 0;
    for (const vs of virtualServers.values()) reals += vs.reals.size;
    return {
      rulesWritten: sets.length + addresses.length + ipvs.lines.length + (writeIptables ? iptables.rules : 0),
      rulesTotal: virtualServers.size + reals + this.wanted.memberCount() + iptables.rules,
    };
  }

  /** What the kernel holds now; creates kube-ipvs0 and sets kube-proxy's sysctls when missing. */
  private async readKernel(): Promise<{ virtualServers: Map<string, KernelVirtualServer>; sets: SetMembers; addresses: Set<string>; missingJumps: typeof ipvsJumpRules }> {
    let addrs = await this.exec('ip', ['-o', '-4', 'addr', 'show', 'dev', dummyDevice]);
    if (addrs.exitCode !== 0) {
      await mustRun(this.exec, 'ip', ['link', 'add', dummyDevice, 'type', 'dummy']);
      addrs = { exitCode: 0, stdout: '', stderr: '' };
    }
    const [ipvs, sets, saved] = await Promise.all([
      mustRun(this.exec, 'ipvsadm', ['-Ln']),
      mustRun(this.exec, 'ipset', ['save']),
      mustRun(this.exec, 'iptables-save', []),
    ]);
    // After ipvsadm: its first call loads ip_vs, which brings the net.ipv4.vs sysctls.
    if (!this.sysctlsSet) {
      await mustRun(this.exec, 'sysctl', ['-q', '-w', ...sysctls]);
      this.sysctlsSet = true;
    }
    const tables = parseIptablesSave(saved);
    return {
      virtualServers: parseIpvsList(ipvs),
      sets: parseIpsetSave(sets),
      addresses: parseAddresses(addrs.stdout),
      missingJumps: ipvsJumpRules.filter((j) => !hasJump(tables.get(j.table), j)),
    };
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    console.error(message);
  }

  /** kube-ipvs0 gone, the nat jump gone, or a virtual server we programmed gone. */
  async tampered(): Promise<boolean> {
    const checks = [
      this.exec('ip', ['link', 'show', dummyDevice]),
      this.exec('iptables', ['-w', '-t', 'nat', '-C', natPrerouting.chain, '-m', 'comment', '--comment', natPrerouting.comment, '-j', natPrerouting.target]),
    ];
    const canary = this.programmed?.virtualServers.values().next().value;
    if (canary) checks.push(this.exec('ipvsadm', ['-Ln', serviceFlag[canary.protocol], `${canary.ip}:${canary.port}`]));
    return (await Promise.all(checks)).some((r) => r.exitCode !== 0);
  }

  /** Removes the iptables helpers, the ipsets, the IPVS table and kube-ipvs0; loads no module when IPVS was never used. */
  async cleanup(): Promise<void> {
    this.programmed = undefined;
    this.fullSync.lost();
    const [link, sets, table] = await Promise.all([this.exec('ip', ['link', 'show', dummyDevice]), this.exec('ipset', ['list', '-n']), this.exec('cat', ['/proc/net/ip_vs'])]);
    const ours = sets.exitCode === 0 ? sets.stdout.split('\n').filter((n) => ipsetNames.has(n)) : [];
    const hasTable = table.exitCode === 0 && /^(TCP|UDP|SCTP)\s/m.test(table.stdout);
    if (link.exitCode !== 0 && ours.length === 0 && !hasTable) return;
    // The rules that match the sets go first, or the sets cannot be destroyed.
    const restore = cleanupRestore(parseIptablesSave(await mustRun(this.exec, 'iptables-save', [])));
    if (restore) await mustRun(this.exec, 'iptables-restore', restoreArgs, restore);
    if (ours.length) await mustRun(this.exec, 'ipset', ['restore'], `${ours.map((n) => `destroy ${n}`).join('\n')}\n`);
    if (hasTable) await mustRun(this.exec, 'ipvsadm', ['-C']);
    if (link.exitCode === 0) await mustRun(this.exec, 'ip', ['link', 'del', dummyDevice]);
  }
}
