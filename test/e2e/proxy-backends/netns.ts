// Throwaway network namespaces for the proxy backend tests, named
// svclab-pxt<pid>-<n> so other test files' host snapshots ignore them, and
// readers for what the kernel holds inside them.
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import { systemTool } from '../../../src/net/tools.js';
import { parseIptablesSave, type SavedTable } from '../../../src/agent/proxy/iptables/save.js';
import { run } from '../../../src/net/run.js';
import { markRunNetns, removeUnusedNetnsDirs } from '../../../src/net/netns-dirs.js';

const prefix = `svclab-pxt${process.pid}-`;
let next = 0;

export async function sh(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, { input });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** A new empty namespace with lo up, deleted when the test ends whatever the outcome. */
export async function netns(t: ExecutionContext<unknown>): Promise<string> {
  const name = `${prefix}${next++}`;
  markRunNetns();
  await sh('ip', ['netns', 'add', name]);
  t.teardown(() => run('ip', ['netns', 'del', name]).then(() => removeUnusedNetnsDirs('svclab-')));
  await sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

/** For after.always: whatever this process's tests left behind. */
export async function removeLeftoverNetns(): Promise<void> {
  const left = fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns').filter((n) => n.startsWith(prefix)) : [];
  await Promise.all(left.map((n) => run('ip', ['netns', 'del', n])));
  removeUnusedNetnsDirs('svclab-');
}

export const inNs = (ns: string): string[] => ['ip', 'netns', 'exec', ns];

export async function inside(ns: string, cmd: string, args: string[], input?: string): Promise<string> {
  return sh('ip', ['netns', 'exec', ns, systemTool(cmd), ...args], input);
}

export async function iptablesSave(ns: string, args: string[] = []): Promise<Map<string, SavedTable>> {
  return parseIptablesSave(await inside(ns, 'iptables-save', args));
}

/** Rules of one chain as iptables-save prints them. */
export function rulesIn(table: SavedTable | undefined, chain: string): string[] {
  return (table?.rules ?? []).filter((r) => r.chain === chain).map((r) => r.spec);
}

export interface NftChain {
  hook?: string;
  prio?: number;
  /** Rule handles, in order. */
  handles: number[];
  rules: unknown[];
}

export interface NftRuleset {
  chains: Map<string, NftChain>;
  /** Set or map name -> elements (JSON as nft prints them). */
  sets: Map<string, unknown[]>;
}

/** `nft -a -j list table <family> <table>` as chains (with rule handles) and sets/maps. */
export async function nftTable(ns: string, family: string, table: string): Promise<NftRuleset> {
  const listed = JSON.parse(await inside(ns, 'nft', ['-a', '-j', 'list', 'table', family, table])) as {
    nftables: Array<{
      chain?: { name: string; hook?: string; prio?: number };
      rule?: { chain: string; handle: number; expr: unknown[] };
      set?: { name: string; elem?: unknown[] };
      map?: { name: string; elem?: unknown[] };
    }>;
  };
  const chains = new Map<string, NftChain>();
  const sets = new Map<string, unknown[]>();
  for (const o of listed.nftables) {
    if (o.chain) chains.set(o.chain.name, { hook: o.chain.hook, prio: o.chain.prio, handles: [], rules: [] });
    if (o.rule) {
      const c = chains.get(o.rule.chain)!;
      c.handles.push(o.rule.handle);
      c.rules.push(o.rule.expr);
    }
    const s = o.set ?? o.map;
    if (s) sets.set(s.name, s.elem ?? []);
  }
  return { chains, sets };
}

/** Whether table family/table exists in the namespace. */
export async function nftHasTable(ns: string, family: string, table: string): Promise<boolean> {
  const r = await run('ip', ['netns', 'exec', ns, systemTool('nft'), 'list', 'tables', family]);
  return r.stdout.split('\n').some((l) => l.trim() === `table ${family} ${table}`);
}
