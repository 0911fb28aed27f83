// The IPVS mode's rules as an operator reads them: ipvsadm's virtual servers (with their real
// servers), found by address, and kube-proxy's iptables helpers.
import type { Service } from '../../../api/types.js';
import { mustRun, type Exec } from '../exec.js';
import { commentMarker, hasSavedChain, type RulesView, type ShownRules } from '../rules-view.js';

async function show(exec: Exec, services: Service[], only: boolean): Promise<ShownRules> {
  const text = await mustRun(exec, 'ipvsadm', ['-Ln', '--stats']);
  if (!only) return { text };
  const ips = services.map((s) => s.spec.clusterIP ?? '');
  // A virtual server line starts a block; its real servers ("  -> ...") follow.
  let keep = false;
  return { text: text.split('\n').filter((l) => (/^(TCP|UDP|SCTP)\s/.test(l) ? (keep = ips.some((ip) => l.includes(` ${ip}:`))) : keep)).join('\n') };
}

export const ipvsView: RulesView = {
  dump: async (exec) => `${await mustRun(exec, 'ipvsadm', ['-Ln'])}\n${await mustRun(exec, 'iptables-save', [])}`,
  show,
  nameMarker: commentMarker,
  addressMarker(svc, port) {
    const ip = svc.spec.clusterIP;
    if (!ip || ip === 'None') return undefined;
    return new RegExp(`${ip.replace(/\./g, '\\.')}:${port?.port ?? '\\d+'}\\b`);
  },
  hasChain: hasSavedChain,
};
