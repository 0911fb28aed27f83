// kube-proxy's nftables mode: table `ip kube-proxy`, one `nft -f -`
// transaction per sync. Full syncs first list the table's chains and sets (to
// find leftovers of an earlier run); partial syncs work from memory.
import type { ProxyBackend, SyncRequest, SyncResult } from '../model.js';
import { commandRunner, mustRun, type Exec } from '../exec.js';
import { FullSync } from '../full-sync.js';
import { isAffinitySetName, isServiceChainName } from './names.js';
import { baseChains, canarySet, NftablesRules } from './render.js';
import { deleteTable, listChains, listTable } from './tables.js';
import { family, table } from './transaction.js';

export interface NftablesBackendOptions {
  /** Command prefix, e.g. ['ip', 'netns', 'exec', 'ns1'] (empty: the current namespace). */
  exec?: string[];
  /** Runs the commands instead (tests record what would reach the kernel). */
  run?: Exec;
  /** How long flushed chains wait before deletion (default 1000 ms like upstream; 0 deletes at once, fine on kernels >= 6.2). */
  staleChainDelayMs?: number;
  /** Clock for the stale-chain delay and the canary (tests). */
  now?: () => number;
  /** How often tampered() also checks that every base chain exists (default 60 s; 0: every time). */
  chainCheckEveryMs?: number;
}

export class NftablesBackend implements ProxyBackend {
  readonly mode = 'nftables';
  private readonly exec: Exec;
  private readonly staleChainDelayMs: number;
  private readonly now: () => number;
  private rules = new NftablesRules();
  private readonly fullSync = new FullSync();
  private readonly chainCheckEveryMs: number;
  private lastChainCheck = -Infinity;

  constructor(opts: NftablesBackendOptions = {}) {
    this.exec = opts.run ?? commandRunner(opts.exec);
    this.staleChainDelayMs = opts.staleChainDelayMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.chainCheckEveryMs = opts.chainCheckEveryMs ?? 60_000;
  }

  async sync(req: SyncRequest): Promise<SyncResult> {
    const full = this.fullSync.due(req);
    const listed = full ? await listTable(this.exec, table) : undefined;
    // Per-service chains and affinity sets (with their timeouts) an earlier run left.
    const existing = listed && { chains: listed.chains.filter(isServiceChainName), sets: new Map([...listed.sets].filter(([name]) => isAffinitySetName(name))) };
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
      this.fullSync.lost();
      throw err;
    }
    this.fullSync.done(req);
    return { rulesWritten: built.written, rulesTotal: built.total };
  }

  async cleanup(): Promise<void> {
    await deleteTable(this.exec, table);
    this.rules = new NftablesRules();
    this.fullSync.lost();
  }

  /**
   * The table is gone (nft flush ruleset, delete table): its small nodeport-ips set is the canary, read on its
   * own (16 ms at 10k services). A deleted base chain shows only in the chain listing (0.26 s at 10k services,
   * 30k chains), so that runs at most every chainCheckEveryMs. Listing any chain's rules would make nft load
   * the whole table (3.3 s).
   */
  async tampered(): Promise<boolean> {
    const r = await this.exec('nft', ['list', 'set', family, table, canarySet]);
    if (r.exitCode !== 0) return true;
    if (this.now() - this.lastChainCheck < this.chainCheckEveryMs) return false;
    this.lastChainCheck = this.now();
    const listed = await listChains(this.exec, table);
    if (!listed) return true;
    const ours = new Set(listed);
    return baseChains.some((c) => !ours.has(c.name));
  }
}
