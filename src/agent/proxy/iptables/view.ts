// The iptables mode's rules as an operator reads them: iptables-save, a service's part found by its
// chain names and comments, and the packets each endpoint's KUBE-SEP chain DNATed.
import type { Service } from '../../../api/types.js';
import { mustRun, type Exec } from '../exec.js';
import { commentMarker, hasSavedChain, mentions, portLabels, saveLines, type RulesView, type ShownRules } from '../rules-view.js';
import { IptablesBackend } from './backend.js';
import { serviceChains } from './names.js';
import { parseIptablesSave, ruleTarget, type SavedTable } from './save.js';

async function show(exec: Exec, services: Service[], only: boolean): Promise<ShownRules> {
  const [filterText, natText] = await Promise.all(['filter', 'nat'].map((table) => mustRun(exec, 'iptables-save', ['-t', table])));
  const ports = portLabels(services);
  // Which service port each per-service chain belongs to: its own chains by name, KUBE-SEP chains by the jumps into them.
  const owner = new Map<string, string>();
  for (const p of ports) for (const chain of Object.values(serviceChains(p.spn, p.proto))) owner.set(chain, p.label);
  const nat = parseIptablesSave(natText!).get('nat');
  for (const r of nat?.rules ?? []) {
    const target = ruleTarget(r.spec);
    if (owner.has(r.chain) && target?.startsWith('KUBE-SEP-')) owner.set(target, owner.get(r.chain)!);
  }
  const out: string[] = [];
  if (!only) out.push(...saveLines(filterText!), ...saveLines(natText!));
  else {
    const spns = ports.map((p) => p.spn);
    const filter = parseIptablesSave(filterText!).get('filter');
    const ours = (tbl: SavedTable | undefined, keep: (chain: string, spec: string) => boolean): string[] => (tbl?.rules ?? []).filter((r) => keep(r.chain, r.spec)).map((r) => `-A ${r.chain} ${r.spec}`);
    out.push('*filter', ...ours(filter, (_, spec) => mentions(spec, spns)), 'COMMIT', '*nat');
    out.push(...[...(nat?.chains ?? [])].filter((c) => owner.has(c)).map((c) => `:${c} - [0:0]`));
    out.push(...ours(nat, (chain, spec) => owner.has(chain) || owner.has(ruleTarget(spec) ?? '')), 'COMMIT');
  }
  const counters = (await new IptablesBackend({ run: exec }).counters()).filter((c) => !only || owner.has(c.chain));
  return {
    text: out.join('\n'),
    counters: {
      header: ['SERVICE PORT', 'ENDPOINT', 'CHAIN', 'PACKETS', 'BYTES'],
      rows: counters.map((c) => [owner.get(c.chain) ?? '?', c.endpoint, c.chain, String(c.packets), String(c.bytes)]),
      none: 'no endpoint chains',
    },
  };
}

export const iptablesView: RulesView = {
  dump: (exec) => mustRun(exec, 'iptables-save', []),
  show,
  nameMarker: commentMarker,
  hasChain: hasSavedChain,
};
