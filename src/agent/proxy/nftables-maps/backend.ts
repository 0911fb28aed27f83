// The nftables-maps backend: table `ip svclab-maps`, one `nft -f -` per sync
// holding only the elements (and the rare shared chain) that changed. Full
// syncs list the table's few chains and sets to find leftovers; afterwards,
// recorded ClientIP affinities that point at endpoints that left are deleted.
import { CommandError } from '../../../net/run.js';
import type { ProxyBackend, SyncRequest, SyncResult } from '../model.js';
import { systemTool } from '../../../net/tools.js';
import { commandRunner, mustRun, type Exec } from '../exec.js';
import { FullSync } from '../full-sync.js';
import { NftSession, sessionLimit } from '../nftables/session.js';
import { deleteTable, listChains, listTable } from '../nftables/tables.js';
import { family } from '../nftables/transaction.js';
import { affinityMap, endpointMaps, mapsTable, MapsRules, type AffinityCheck } from './render.js';

export interface NftablesMapsBackendOptions {
  /** Command prefix, e.g. ['ip', 'netns', 'exec', 'ns1'] (empty: the current namespace). */
  exec?: string[];
  /** Runs the commands instead (tests record what would reach the kernel); then every transaction is an `nft -f`. */
  run?: Exec;
}

interface NftJson {
  nftables: Array<{ map?: { table: string; name: string; elem?: unknown[] } }>;
}

/** One endpoint element's traffic, from the per-element counters of the endpoint maps. */
export interface MapCounter {
  map: string;
  /** "ip . proto . port . index" or "proto . port . index" */
  entry: string;
  /** "ip:port" */
  endpoint: string;
  packets: number;
  bytes: number;
}

export class NftablesMapsBackend implements ProxyBackend {
  readonly mode = 'nftables-maps';
  private readonly exec: Exec;
  private rules = new MapsRules();
  private readonly fullSync = new FullSync();

  /** Partial syncs are a few elements: a long-lived nft applies them without starting nft each time. */
  private readonly session?: NftSession;

  constructor(opts: NftablesMapsBackendOptions = {}) {
    this.exec = opts.run ?? commandRunner(opts.exec);
    if (!opts.run) this.session = new NftSession([...(opts.exec ?? []), systemTool('nft')]);
  }

  async sync(req: SyncRequest): Promise<SyncResult> {
    const full = this.fullSync.due(req);
    const existing = full ? await listTable(this.exec, mapsTable) : undefined;
    const built = this.rules.build(req, { full, existingChains: existing?.chains, existingSets: existing && [...existing.sets.keys()] });
    try {
      if (built.text && !full && this.session && built.text.length < sessionLimit) {
        const r = await this.session.apply(built.text);
        if (r.exitCode !== 0) throw new CommandError('nft -i (session)', r);
      } else if (built.text) {
        await mustRun(this.exec, 'nft', ['-f', '-'], built.text);
      }
    } catch (err) {
      // Our view of the table is now wrong; the next sync starts over from the kernel's.
      this.rules.reset();
      this.fullSync.lost();
      throw err;
    }
    this.fullSync.done(req);
    if (built.affinityCheck) await this.dropStaleAffinities(built.affinityCheck);
    return { rulesWritten: built.written, rulesTotal: built.total };
  }

  async cleanup(): Promise<void> {
    this.session?.close();
    await deleteTable(this.exec, mapsTable);
    this.rules = new MapsRules();
    this.fullSync.lost();
  }

  /**
   * The table or its dispatch chain is gone (nft flush ruleset, delete table). Only chains are listed, a few
   * dozen: listing any rule would make nft load every element of the maps it names (0.5 s at 10k services).
   */
  async tampered(): Promise<boolean> {
    return !(await listChains(this.exec, mapsTable))?.includes('services');
  }

  /** Packets and bytes each endpoint element has sent its connections to. */
  async counters(): Promise<MapCounter[]> {
    const out: MapCounter[] = [];
    for (const map of Object.values(endpointMaps)) {
      const listed = JSON.parse(await mustRun(this.exec, 'nft', ['-j', 'list', 'map', family, mapsTable, map.name])) as NftJson;
      for (const o of listed.nftables) {
        for (const e of o.map?.elem ?? []) {
          const c = parseCounted(e);
          if (c) out.push({ map: map.name, ...c });
        }
      }
    }
    return out;
  }

  /**
   * Deletes recorded affinities that point at an endpoint no longer valid for their entry point, or whose
   * entry point's timeout changed. An element may expire between the listing and the delete, which fails
   * the whole transaction: then list again, once. What is left expires with its timeout anyway.
   */
  private async dropStaleAffinities(check: AffinityCheck): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await this.exec('nft', ['-j', 'list', 'map', family, mapsTable, affinityMap]);
      if (r.exitCode !== 0) return;
      const stale = staleAffinities(JSON.parse(r.stdout) as NftJson, check);
      if (stale.length === 0) return;
      const text = stale.map((key) => `delete element ${family} ${mapsTable} ${affinityMap} { ${key} }`).join('\n');
      if ((await this.exec('nft', ['-f', '-'], `${text}\n`)).exitCode === 0) return;
    }
  }
}

// nft -j prints a map element as [key, value], with counters as {"elem": {"val": key, "counter": {...}}}.
type Json = Record<string, unknown> & { concat?: unknown[]; elem?: { val: unknown; counter?: { packets: number; bytes: number } } };
const flat = (v: unknown): string[] => {
  const j = v as Json;
  if (j && typeof j === 'object' && Array.isArray(j.concat)) return j.concat.map((x) => String(x));
  return [String(v)];
};

function parseCounted(e: unknown): Omit<MapCounter, 'map'> | undefined {
  if (!Array.isArray(e)) return undefined;
  const [k, v] = e as [Json, unknown];
  const key = k.elem ? k.elem.val : k;
  const [ip, port] = flat(v);
  return { entry: flat(key).join(' . '), endpoint: `${ip}:${port}`, packets: k.elem?.counter?.packets ?? 0, bytes: k.elem?.counter?.bytes ?? 0 };
}

/** Keys ("client . ip . proto . port") of the affinity map's elements that must go. */
export function staleAffinities(listed: NftJson, check: AffinityCheck): string[] {
  const out: string[] = [];
  for (const o of listed.nftables) {
    for (const e of o.map?.elem ?? []) {
      if (!Array.isArray(e)) continue;
      const [k, v] = e as [Json, unknown];
      const key = flat(k.elem ? k.elem.val : k);
      const entry = key.slice(1).join(' . ');
      const endpoint = flat(v).join(' . ');
      const valid = check.valid.get(entry);
      if (check.reset.has(entry) || !valid?.has(endpoint)) out.push(key.join(' . '));
    }
  }
  return out;
}
