// What a table's listing (`nft -a list table F T`) tells a trace: the hook of
// each base chain, the order of each chain's rules by handle, and whether
// iptables-nft owns the table (then `iptables-save` has the rules in the words
// operators know, with their comments).
import { parseIptablesSave } from '../agent/proxy/iptables/save.js';

export interface TableListing {
  /** Base chain -> hook ("prerouting", "output", ...). */
  hooks: Map<string, string>;
  /** Chain -> rule handles in order. */
  handles: Map<string, number[]>;
  /** "chain#handle" -> the rule's text (no handle). */
  rules: Map<string, string>;
  iptablesNft: boolean;
}

export function parseTableListing(text: string): TableListing {
  const hooks = new Map<string, string>();
  const handles = new Map<string, number[]>();
  const rules = new Map<string, string>();
  let chain: string | undefined;
  for (const line of text.split('\n')) {
    const start = /^\tchain (\S+) \{/.exec(line);
    if (start) {
      chain = start[1]!;
      handles.set(chain, []);
      continue;
    }
    if (!chain) continue;
    if (line === '\t}') {
      chain = undefined;
      continue;
    }
    const hook = /^\t\ttype \S+ hook (\S+) /.exec(line);
    if (hook) hooks.set(chain, hook[1]!);
    else {
      const h = /^\t\t(.*?)\s*# handle (\d+)$/.exec(line);
      if (h) {
        handles.get(chain)!.push(Number(h[2]));
        rules.set(`${chain}#${h[2]}`, h[1]!.replace(/\s{2,}/g, ' ').trim());
      }
    }
  }
  return { hooks, handles, rules, iptablesNft: /is managed by iptables-nft/.test(text) };
}

/** (chain, handle) -> "-A CHAIN spec" of an iptables-nft table, by position: both list a chain's rules in order. */
export function iptablesRuleByHandle(listing: TableListing, saveText: string, table: string): Map<string, string> {
  const saved = parseIptablesSave(saveText).get(table);
  const out = new Map<string, string>();
  if (!saved) return out;
  const byChain = new Map<string, string[]>();
  for (const r of saved.rules) {
    const list = byChain.get(r.chain) ?? [];
    list.push(r.spec);
    byChain.set(r.chain, list);
  }
  for (const [chain, hs] of listing.handles) {
    const specs = byChain.get(chain) ?? [];
    if (specs.length !== hs.length) continue; // changed between the two reads: better nothing than a wrong rule
    hs.forEach((h, i) => out.set(`${chain}#${h}`, `-A ${chain} ${specs[i]}`));
  }
  return out;
}

/** The comment of an iptables rule or an nft rule. */
export function ruleComment(rule: string): string | undefined {
  const m = /(?:--comment|(?<!-m )(?<!-)\bcomment) (?:"([^"]*)"|(\S+))/.exec(rule);
  return m ? (m[1] ?? m[2]) : undefined;
}
