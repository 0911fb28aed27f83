// Per-endpoint traffic for the dashboard, read from the nodes' kernels, as
// `lab rules` shows it: iptables mode the packets of each KUBE-SEP chain's DNAT
// rule, nftables-maps mode its endpoint elements' counters; elsewhere the rules
// carry no per-endpoint counters, so the connections conntrack holds per DNAT
// target (they stay ~2 min after closing).
import { IptablesBackend } from '../agent/proxy/iptables/backend.js';
import { NftablesMapsBackend } from '../agent/proxy/nftables-maps/backend.js';
import { hostArgv } from '../lab/hosts.js';
import type { LabPlan } from '../lab/plan.js';
import { run } from '../net/run.js';
import { systemTool } from '../net/tools.js';
import { parseConntrack } from '../trace/conntrack.js';

export interface EndpointCounts {
  unit: 'packets' | 'connections';
  /** "ip:port" -> count, summed over the nodes. */
  counts: Record<string, number>;
}

export async function readEndpointCounts(lab: string, plan: LabPlan): Promise<EndpointCounts> {
  const counts: Record<string, number> = {};
  const add = (key: string, n: number): void => void (counts[key] = (counts[key] ?? 0) + n);
  if (plan.proxyMode === 'iptables') {
    await Promise.all(plan.nodes.map(async (n) => (await new IptablesBackend({ exec: hostArgv(lab, n.name, []) }).counters().catch(() => [])).forEach((c) => add(c.endpoint, c.packets))));
    return { unit: 'packets', counts };
  }
  if (plan.proxyMode === 'nftables-maps') {
    await Promise.all(plan.nodes.map(async (n) => (await new NftablesMapsBackend({ exec: hostArgv(lab, n.name, []) }).counters().catch(() => [])).forEach((c) => add(c.endpoint, c.packets))));
    return { unit: 'packets', counts };
  }
  await Promise.all(
    plan.nodes.map(async (n) => {
      const [cmd, ...args] = hostArgv(lab, n.name, [systemTool('conntrack'), '-L', '--dst-nat']);
      const r = await run(cmd!, args, { timeoutMs: 5000 });
      for (const e of parseConntrack(n.name, r.stdout)) add(`${e.reply.src}:${e.reply.sport}`, 1);
    }),
  );
  return { unit: 'connections', counts };
}
