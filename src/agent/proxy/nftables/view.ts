// The nftables mode's rules as an operator reads them: table ip kube-proxy, a service's part found
// by the "-ns/name/" its chains and sets carry and the map elements that name them.
import type { Service } from '../../../api/types.js';
import { mustRun, type Exec } from '../exec.js';
import { escapeRegExp, hasNftChain, nftBlocks, portLabels, type RulesView, type ShownRules } from '../rules-view.js';

async function show(exec: Exec, services: Service[], only: boolean): Promise<ShownRules> {
  const text = await mustRun(exec, 'nft', ['list', 'table', 'ip', 'kube-proxy']);
  if (!only) return { text };
  // Per-service chains and affinity sets carry "-ns/name/" in their names; the maps' elements name those chains or the service.
  const marks = services.map((s) => `-${s.metadata.namespace}/${s.metadata.name}/`);
  const spns = portLabels(services).map((p) => p.spn);
  const clusterIPs = services.map((s) => s.spec.clusterIP);
  const out: string[] = [];
  for (const b of nftBlocks(text)) {
    if (marks.some((m) => b.name.includes(m))) out.push(...b.lines);
    else {
      const joined = b.lines.join(' ');
      const at = joined.indexOf('elements = {');
      if (at < 0) continue;
      const elements = joined.slice(at + 'elements = {'.length, joined.indexOf('}', at)).split(',').map((e) => e.replace(/\s+/g, ' ').trim());
      const ours = elements.filter((e) => marks.some((m) => e.includes(m)) || spns.some((spn) => e.includes(`"${spn}"`)) || clusterIPs.includes(e));
      if (ours.length) out.push(`\t${b.name}:`, ...ours.map((e) => `\t\t${e}`));
    }
  }
  return { text: out.join('\n') };
}

export const nftablesView: RulesView = {
  dump: (exec) => mustRun(exec, 'nft', ['list', 'ruleset']),
  show,
  nameMarker: (namespace, name, port) => new RegExp(`-${escapeRegExp(namespace)}/${escapeRegExp(name)}/${port ? `${port.protocol.toLowerCase()}/${escapeRegExp(port.name)}` : ''}`),
  hasChain: hasNftChain,
};
