// kube-proxy's nftables mode: table `ip kube-proxy`, one `nft -f -`
// transaction per sync. Full syncs first list the table's chains and sets (to
// find leftovers of an earlier run); partial syncs work from memory.
import type { ProxyBackend, SyncRequest, SyncResult } from '../model.js';
import { commandRunner, mustRun, ToolError, type Exec } from '../exec.js';
import { isAffinitySetName, isServiceChainName } from './names.js';
import { canarySet, NftablesRules } from './render.js';
import { family, table } from './transaction.js';

export interface NftablesBackendOptions {
  /** Command prefix, e.g. ['ip', 'netns', 'exec', 'ns1'] (empty: the current namespace). */
  exec?: string[];
  /** Runs the commands instead (tests record what would reach the kernel). */
  run?: Exec;
  /** How long flushed chains wait before deletion (default 1000 ms like upstream; 0 deletes at once, fine on kernels >= 6.2). */
  staleChainDelayMs?: number;
  /** Clock for the stale-chain delay (tests). */
  now?: () => number;
}

interface NftJson {
  nftables: Array<{ chain?: { table: string; name: string }; set?: { table: string; name: string; timeout?: number } }>;
}

export class NftablesBackend implements ProxyBackend {
  readonly mode = 'nftables';
  private readonly exec: Exec;
  private readonly staleChainDelayMs: number;
  private readonly now: () => number;
  private rules = new NftablesRules();
  private needFullSync = true;
  private lastNode = '';

  constructor(opts: NftablesBackendOptions = {}) {
    this.exec = opts.run ?? commandRunner(opts.exec);
    this.staleChainDelayMs = opts.staleChainDelayMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  async sync(req: SyncRequest): Promise<SyncResult> {
    const node = JSON.stringify(req.node);
    const full = !req.changed || this.needFullSync || node !== this.lastNode;
    const existing = full ? await this.listTable() : undefined;
    const built = this.rules.build(req, {
      full,
      now: this.now(),
      staleChainDelayMs: this.staleChainDelayMs,
      existingChains: existing?.chains,
      existingSets: existing?.sets,
    });
    try {
      if (built.text) await mustRun(this.exec, 'nft', ['-f', '-'], built.text);
    } catch (err) {
      // Our view of the table is now wrong; the next sync starts over from the kernel's.
      this.rules.reset();
      this.needFullSync = true;
      throw err;
    }
    this.needFullSync = false;
    this.lastNode = node;
    return { rulesWritten: built.written, rulesTotal: built.total };
  }

  async cleanup(): Promise<void> {
    const args = ['delete', 'table', family, table];
    const r = await this.exec('nft', args);
    if (r.exitCode !== 0 && !/No such file or directory/.test(r.stderr)) throw new ToolError(`nft ${args.join(' ')}`, r);
    this.rules = new NftablesRules();
    this.needFullSync = true;
  }

  /**
   * The table is gone (nft flush ruleset, delete table): its small nodeport-ips set is our canary. Measured at
   * 10k services (30k chains): listing any chain's rules makes nft load the whole table (3.3 s), listing the
   * chains takes 0.26 s; one small set is read on its own.
   */
  async tampered(): Promise<boolean> {
    const r = await this.exec('nft', ['list', 'set', family, table, canarySet]);
    return r.exitCode !== 0;
  }

  private ourChains(listed: NftJson): string[] {
    return listed.nftables.flatMap((o) => (o.chain?.table === table ? [o.chain.name] : []));
  }

  /** Per-service chains and affinity sets (with their timeouts) in our table. */
  private async listTable(): Promise<{ chains: string[]; sets: Map<string, number> }> {
    const chains = JSON.parse(await mustRun(this.exec, 'nft', ['-j', 'list', 'chains', family])) as NftJson;
    const sets = JSON.parse(await mustRun(this.exec, 'nft', ['-j', '-t', 'list', 'sets', family])) as NftJson;
    return {
      chains: this.ourChains(chains).filter(isServiceChainName),
      sets: new Map(sets.nftables.flatMap((o) => (o.set?.table === table && isAffinitySetName(o.set.name) ? [[o.set.name, o.set.timeout ?? 0] as const] : []))),
    };
  }
}
