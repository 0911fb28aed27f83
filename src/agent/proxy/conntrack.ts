// Stale UDP conntrack entries: when a UDP endpoint goes, flows still pinned to
// it (e.g. a DNS client reusing its source port) would keep failing; kube-proxy
// deletes them, and so do we, after the rules changed.
import { run } from '../../net/run.js';
import type { ServicePort } from './model.js';

function readyIPs(sp: ServicePort | undefined): Set<string> {
  return new Set((sp?.endpoints ?? []).filter((e) => e.ready).map((e) => e.ip));
}

/** conntrack -D calls for UDP flows to endpoints that left, and for services that just got endpoints (their cached REJECTs). */
export function staleFlows(before: ServicePort | undefined, after: ServicePort | undefined): string[][] {
  const sp = after ?? before;
  if (!sp || sp.protocol !== 'UDP') return [];
  const was = readyIPs(before);
  const now = readyIPs(after);
  const cmds: string[][] = [];
  const ips = [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];
  for (const gone of [...was].filter((ip) => !now.has(ip))) {
    for (const ip of ips) cmds.push(['-D', '-p', 'udp', '--orig-dst', ip, '--dst-nat', gone]);
    if (sp.nodePort) cmds.push(['-D', '-p', 'udp', '--orig-port-dst', String(sp.nodePort), '--dst-nat', gone]);
  }
  if (was.size === 0 && now.size > 0) for (const ip of ips) cmds.push(['-D', '-p', 'udp', '--orig-dst', ip]);
  return cmds;
}

export async function clearFlows(cmds: string[][]): Promise<void> {
  // conntrack exits 1 when nothing matched: not an error.
  for (const args of cmds) await run('conntrack', args);
}
