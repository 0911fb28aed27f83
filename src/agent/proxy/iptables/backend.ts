// kube-proxy's iptables mode: every sync is one `iptables-restore --noflush
// --counters` of the generated filter+nat (+mangle canary) rules. Partial syncs
// rewrite only the changed services' chains (plus the shared top-level chains);
// full syncs also restore missing base-chain jumps and canaries and delete
// leftover chains found in iptables-save.
import type { ProxyBackend, SyncRequest, SyncResult } from '../model.js';
import { commandRunner, mustRun, type Exec } from '../exec.js';
import { FullSync } from '../full-sync.js';
import { cleanupRestore } from './cleanup.js';
import { endpointCounters, type EndpointCounter } from './counters.js';
import { canaryChain, isLargeCluster, jumpRules, jumpSpec, renderIptables, type CachedService, type EndpointChainInfo, type JumpRule } from './render.js';
import { hasJump, restoreArgs } from './restore.js';
import { parseIptablesSave } from './save.js';

export interface IptablesBackendOptions {
  /** Command prefix, e.g. ['ip', 'netns', 'exec', 'ns1'] (empty: the current namespace). */
  exec?: string[];
  /** Runs the commands instead (tests record what would reach the kernel). */
  run?: Exec;
  /** MASQUERADE --random-fully (default true; needs iptables >= 1.6.2). */
  randomFully?: boolean;
  /** iptables-{nft,legacy}-restore etc. instead of the system's default iptables (iptables-nft 1.8.9's restore --noflush is superlinear in chains). */
  variant?: 'nft' | 'legacy';
  /** How often tampered() also reads the nat and filter tables (default 60 s; 0: every time). */
  tableCheckEveryMs?: number;
  /** Clock for that (tests). */
  now?: () => number;
}

type Tool = 'iptables' | 'iptables-save' | 'iptables-restore';

// One jump per table is enough to notice that table was flushed.
const watchedJumps = jumpRules.filter((j) => (j.table === 'nat' && j.chain === 'PREROUTING') || (j.chain === 'INPUT' && j.target === 'KUBE-PROXY-FIREWALL'));

export class IptablesBackend implements ProxyBackend {
  readonly mode = 'iptables';
  private readonly exec: Exec;
  private readonly randomFully: boolean;
  private readonly tool: (name: Tool) => string;
  private readonly fullSync = new FullSync();
  private lastLargeCluster = false;
  /** Per-service nat chains the kernel holds after the last successful sync. */
  private chains = new Map<string, string[]>();
  private endpointChains = new Map<string, EndpointChainInfo>();
  private readonly renderCache = new Map<string, CachedService>();
  private readonly tableCheckEveryMs: number;
  private readonly now: () => number;
  private lastTableCheck = -Infinity;

  constructor(opts: IptablesBackendOptions = {}) {
    this.exec = opts.run ?? commandRunner(opts.exec);
    this.tableCheckEveryMs = opts.tableCheckEveryMs ?? 60_000;
    this.now = opts.now ?? Date.now;
    this.randomFully = opts.randomFully ?? true;
    this.tool = (name) => (opts.variant ? name.replace('iptables', `iptables-${opts.variant}`) : name);
  }

  async sync(req: SyncRequest): Promise<SyncResult> {
    const largeCluster = isLargeCluster(req.services);
    // Comments appear in unchanged chains too: such changes need a full rewrite.
    const full = this.fullSync.due(req, largeCluster !== this.lastLargeCluster);
    let existingChains: Iterable<string> = [...this.chains.values()].flat();
    let missingJumps: JumpRule[] = [];
    if (full) {
      const saved = parseIptablesSave(await mustRun(this.exec, this.tool('iptables-save'), []));
      existingChains = saved.get('nat')?.chains ?? [];
      missingJumps = jumpRules.filter((j) => !hasJump(saved.get(j.table), j));
    }
    const r = renderIptables({
      node: req.node,
      services: req.services,
      ...(req.byKey ? { byKey: req.byKey } : {}),
      cache: this.renderCache,
      rewrite: full ? undefined : req.changed,
      existingChains,
      missingJumps,
      canaries: full,
      randomFully: this.randomFully,
    });
    try {
      await mustRun(this.exec, this.tool('iptables-restore'), restoreArgs, r.text);
    } catch (err) {
      // The changes that led here are consumed: only a full sync can restore a known state.
      this.fullSync.lost();
      this.renderCache.clear();
      throw err;
    }
    this.fullSync.done(req);
    this.lastLargeCluster = largeCluster;
    this.chains = r.chains;
    this.endpointChains = r.endpointChains;
    return { rulesWritten: r.written, rulesTotal: r.filterRules + r.natRules };
  }

  async cleanup(): Promise<void> {
    const text = cleanupRestore(parseIptablesSave(await mustRun(this.exec, this.tool('iptables-save'), [])));
    if (text) await mustRun(this.exec, this.tool('iptables-restore'), restoreArgs, text);
    this.fullSync.lost();
    this.chains.clear();
    this.endpointChains.clear();
  }

  /**
   * A canary chain or a base-chain jump is gone: someone flushed or reloaded the tables. As kube-proxy's
   * monitor, the canary in the small mangle table is read every time; the nat and filter tables (at 10k
   * services each iptables-nft command there costs 0.1-0.2 s) at most every tableCheckEveryMs.
   */
  async tampered(): Promise<boolean> {
    if ((await this.exec(this.tool('iptables'), ['-w', '-t', 'mangle', '-S', canaryChain])).exitCode !== 0) return true;
    if (this.now() - this.lastTableCheck < this.tableCheckEveryMs) return false;
    this.lastTableCheck = this.now();
    const checks = [
      ...['nat', 'filter'].map((table) => this.exec(this.tool('iptables'), ['-w', '-t', table, '-S', canaryChain])),
      ...watchedJumps.map((j) => this.exec(this.tool('iptables'), ['-w', '-t', j.table, '-C', j.chain, ...splitArgs(jumpSpec(j))])),
    ];
    return (await Promise.all(checks)).some((r) => r.exitCode !== 0);
  }

  /** Packets and bytes DNATed to each endpoint so far. */
  async counters(): Promise<EndpointCounter[]> {
    const saved = parseIptablesSave(await mustRun(this.exec, this.tool('iptables-save'), ['-c', '-t', 'nat']));
    return endpointCounters(saved.get('nat'), this.endpointChains);
  }
}

/** Splits a rule spec into argv, keeping "quoted strings" whole. */
function splitArgs(spec: string): string[] {
  return [...spec.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}
