// The userspace mode's rules as an operator reads them: the portal chains of iptables-save (the
// agent, not the kernel, picks endpoints, so there are no per-endpoint counters).
import type { Service } from '../../../api/types.js';
import { mustRun, type Exec } from '../exec.js';
import { parseIptablesSave, ruleTarget } from '../iptables/save.js';
import { commentMarker, hasSavedChain, mentions, portLabels, type RulesView, type ShownRules } from '../rules-view.js';

async function show(exec: Exec, services: Service[], only: boolean): Promise<ShownRules> {
  const nat = parseIptablesSave(await mustRun(exec, 'iptables-save', ['-t', 'nat'])).get('nat');
  const portal = (chain: string): boolean => /^KUBE-(PORTALS|NODEPORT)-/.test(chain);
  const spns = portLabels(services).map((p) => p.spn);
  const rules = (nat?.rules ?? []).filter((r) => (portal(r.chain) && (!only || mentions(r.spec, spns))) || (!only && portal(ruleTarget(r.spec) ?? '')));
  return {
    text: ['*nat', ...[...(nat?.chains ?? [])].filter(portal).map((c) => `:${c} - [0:0]`), ...rules.map((r) => `-A ${r.chain} ${r.spec}`), 'COMMIT', '', 'endpoints are chosen by the agent (round robin), not by the kernel: no per-endpoint counters'].join('\n'),
  };
}

export const userspaceView: RulesView = {
  dump: (exec) => mustRun(exec, 'iptables-save', []),
  show,
  nameMarker: commentMarker,
  hasChain: hasSavedChain,
};
