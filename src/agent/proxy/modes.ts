// The proxy modes, listed once: the agent's backends, `lab up --proxy-mode`,
// scenarios, `lab demo` and the benchmarks all read this table.

export const proxyModes = ['iptables', 'nftables', 'nftables-maps', 'ipvs', 'userspace'] as const;
export type ProxyMode = (typeof proxyModes)[number];
/** What a lab, an agent and a scenario use when none is named (kube-proxy's default on Linux). */
export const defaultProxyMode: ProxyMode = 'iptables';

export interface ProxyModeInfo {
  summary: string;
  /** Commands the mode runs on a node. */
  tools: { command: string; apt: string }[];
  /** Kernel modules it needs beyond netfilter's. */
  kernelModules: string[];
  /** Endpoints are picked by kernel rules (not a userspace process), so a benchmark has a kernel floor to compare with. */
  kernelBalancing: boolean;
}

const iptables = { command: 'iptables-restore', apt: 'iptables' };
const nft = { command: 'nft', apt: 'nftables' };

export const proxyModeInfo: Record<ProxyMode, ProxyModeInfo> = {
  iptables: { summary: "kube-proxy's iptables mode: a chain per service and endpoint", tools: [iptables], kernelModules: [], kernelBalancing: true },
  nftables: { summary: "kube-proxy's nftables mode: table ip kube-proxy, verdict maps and a chain per service and endpoint", tools: [nft], kernelModules: [], kernelBalancing: true },
  'nftables-maps': { summary: "svclab's own: table ip svclab-maps, per-service state only in sets and maps", tools: [nft], kernelModules: [], kernelBalancing: true },
  ipvs: {
    summary: "kube-proxy's IPVS mode: a virtual server per service IP and port",
    tools: [{ command: 'ipvsadm', apt: 'ipvsadm' }, { command: 'ipset', apt: 'ipset' }, iptables],
    kernelModules: ['ip_vs', 'ip_vs_rr', 'dummy'],
    kernelBalancing: true,
  },
  userspace: { summary: 'the userspace proxy (removed upstream in 1.26): the agent relays every connection', tools: [iptables], kernelModules: [], kernelBalancing: false },
};

export function isProxyMode(name: string): name is ProxyMode {
  return (proxyModes as readonly string[]).includes(name);
}
