// What a lab node's kernel holds, read with the real tools on the node
// (iptables-save, nft -j, ipvsadm) and parsed, plus the chain names the
// reference algorithm gives (sha256, base32, as kube-proxy names them).
import { sha256Base32 } from '../../../src/agent/proxy/hash.js';
import type { ProxyMode } from '../../../src/agent/proxy/modes.js';
import { parseIptablesSave, ruleTarget, type SavedTable } from '../../../src/agent/proxy/iptables/save.js';
import { runOn } from './traffic.js';

export type Mode = ProxyMode;

/** One service port, as kube-proxy names it. */
export interface PortRef {
  namespace: string;
  name: string;
  portName: string;
  protocol: 'tcp' | 'udp';
  clusterIP: string;
  port: number;
}

export async function onNode(lab: string, node: string, argv: string[]): Promise<string> {
  const r = await runOn(lab, { host: node }, argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} on ${node} failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

export async function iptablesTables(lab: string, node: string): Promise<Map<string, SavedTable>> {
  return parseIptablesSave(await onNode(lab, node, ['iptables-save']));
}

export const rulesOf = (table: SavedTable | undefined, chain: string): string[] => (table?.rules ?? []).filter((r) => r.chain === chain).map((r) => r.spec);
export const targetsOf = (table: SavedTable | undefined, chain: string): string[] => rulesOf(table, chain).map((s) => ruleTarget(s) ?? '');

/** kube-proxy's iptables names: KUBE-SVC-<16 of base32(sha256("ns/name:port" + proto))>, KUBE-SEP- adds "ip:port". */
export function iptablesNames(p: PortRef): { hash: string; svc: string; svl: string; ext: string; sep: (endpoint: string) => string } {
  const spn = `${p.namespace}/${p.name}${p.portName ? `:${p.portName}` : ''}`;
  const hash = sha256Base32(spn + p.protocol).slice(0, 16);
  return {
    hash,
    svc: `KUBE-SVC-${hash}`,
    svl: `KUBE-SVL-${hash}`,
    ext: `KUBE-EXT-${hash}`,
    sep: (endpoint) => `KUBE-SEP-${sha256Base32(spn + p.protocol + endpoint).slice(0, 16)}`,
  };
}

/** kube-proxy's nftables names: service-<8 of base32(sha256(rest))>-ns/name/proto/port, endpoint-...__ip/port. */
export function nftNames(p: PortRef): { service: string; local: string; external: string; endpoint: (ip: string, port: number) => string; affinity: (ip: string, port: number) => string } {
  const hashed = (s: string): string => `${sha256Base32(s).slice(0, 8)}-${s}`;
  const base = `${p.namespace}/${p.name}/${p.protocol}/${p.portName}`;
  const ep = (ip: string, port: number): string => hashed(`${base}__${ip}/${port}`);
  return {
    service: `service-${hashed(base)}`,
    local: `local-${hashed(base)}`,
    external: `external-${hashed(base)}`,
    endpoint: (ip, port) => `endpoint-${ep(ip, port)}`,
    affinity: (ip, port) => `affinity-${ep(ip, port)}`,
  };
}

// The parts of `nft -j list ruleset` the checks read.
// nft's JSON is deeply nested and loosely typed; the checks index into it directly.
export type NftExpr = Record<string, any>;
export interface NftChain {
  name: string;
  type?: string;
  hook?: string;
  prio?: number;
}
export interface NftSet {
  name: string;
  kind: 'set' | 'map';
  type: string | string[];
  timeout?: number;
  flags?: string[];
  elem: unknown[];
}
export interface NftTable {
  chains: Map<string, NftChain>;
  rules: Map<string, NftExpr[][]>;
  sets: Map<string, NftSet>;
}

/** Table `ip kube-proxy` (or another) from `nft -j list ruleset` (undefined when the table is absent). */
export async function nftTable(lab: string, node: string, name = 'kube-proxy'): Promise<NftTable | undefined> {
  const text = await onNode(lab, node, ['nft', '-j', 'list', 'ruleset']);
  if (!text) throw new Error(`nft -j list ruleset on ${node} printed nothing`);
  const listed = JSON.parse(text) as { nftables: NftExpr[] };
  const ours = (o: NftExpr): boolean => o.family === 'ip' && o.table === name;
  const out: NftTable = { chains: new Map(), rules: new Map(), sets: new Map() };
  let found = false;
  for (const o of listed.nftables) {
    if (o.table && o.table.family === 'ip' && o.table.name === name) found = true;
    if (o.chain && ours(o.chain)) {
      out.chains.set(o.chain.name, o.chain as NftChain);
      out.rules.set(o.chain.name, []);
    }
    if (o.rule && ours(o.rule)) out.rules.get(o.rule.chain)?.push(o.rule.expr as NftExpr[]);
    for (const kind of ['set', 'map'] as const) {
      if (o[kind] && ours(o[kind])) out.sets.set(o[kind].name, { ...o[kind], kind, elem: o[kind].elem ?? [] } as NftSet);
    }
  }
  return found ? out : undefined;
}

/** The goto/jump targets of a numgen vmap rule, in order. */
export function numgenTargets(rule: NftExpr[]): { mod: number; targets: string[] } | undefined {
  const vmap = rule.find((e) => e.vmap?.key?.numgen)?.vmap;
  if (!vmap) return undefined;
  const targets = (vmap.data.set as [number, NftExpr][]).sort(([a], [b]) => a - b).map(([, v]) => (v.goto ?? v.jump).target as string);
  return { mod: vmap.key.numgen.mod as number, targets };
}

/** "ip:port" of a rule's dnat statement. */
export function nftDnat(rule: NftExpr[]): string | undefined {
  const d = rule.find((e) => e.dnat)?.dnat;
  return d ? `${d.addr}:${d.port}` : undefined;
}

/**
 * The endpoints ("ip:port") the node's rules send this service port's cluster traffic to, sorted;
 * undefined when the mode keeps endpoints out of the kernel (userspace: the proxy process picks them).
 */
export async function dnatTargets(lab: string, mode: Mode, node: string, p: PortRef): Promise<string[] | undefined> {
  switch (mode) {
    case 'iptables': {
      const nat = (await iptablesTables(lab, node)).get('nat');
      const seps = targetsOf(nat, iptablesNames(p).svc).filter((c) => c.startsWith('KUBE-SEP-'));
      return seps.flatMap((sep) => rulesOf(nat, sep).flatMap((s) => /--to-destination (\S+)/.exec(s)?.[1] ?? [])).sort();
    }
    case 'nftables': {
      const table = await nftTable(lab, node);
      const chain = table?.rules.get(nftNames(p).service) ?? [];
      const endpoints = chain.flatMap((r) => numgenTargets(r)?.targets ?? []);
      return endpoints.flatMap((e) => (table?.rules.get(e) ?? []).flatMap((r) => nftDnat(r) ?? [])).sort();
    }
    case 'nftables-maps': {
      const table = await nftTable(lab, node, 'svclab-maps');
      return mapEndpoints(table?.sets.get('cluster-endpoints'), [p.clusterIP, p.protocol, p.port]).sort();
    }
    case 'ipvs': {
      const out = await onNode(lab, node, ['ipvsadm', '-Ln', p.protocol === 'udp' ? '-u' : '-t', `${p.clusterIP}:${p.port}`]).catch(() => '');
      // Weight-0 real servers are draining: listed, but they get no new connections.
      return [...out.matchAll(/->\s+(\d+\.\d+\.\d+\.\d+:\d+)\s+Masq\s+[1-9]/g)].map((m) => m[1]!).sort();
    }
    case 'userspace':
      return undefined;
  }
}

/** nftables-maps: the endpoints ("ip:port") an entry point's elements name, by index. */
export function mapEndpoints(map: NftSet | undefined, entry: unknown[]): string[] {
  const out: string[] = [];
  for (const e of map?.elem ?? []) {
    const [k, v] = e as [NftExpr, NftExpr];
    const key = (k.elem?.val ?? k).concat as unknown[];
    if (JSON.stringify(key.slice(0, -1)) !== JSON.stringify(entry)) continue;
    out[key.at(-1) as number] = `${v.concat[0]}:${v.concat[1]}`;
  }
  return out;
}
