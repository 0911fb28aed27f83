// The router's L4 balancer: iptables DNAT of LoadBalancer IP:port to
// nodeIP:nodePort of the eligible nodes (random spread), source ranges enforced.
// Written as one iptables-restore of the router's own SVCLAB-* chains.

export interface LbTarget {
  ip: string;
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  nodePort: number;
  /** Node IPs that may receive this traffic (Ready; with eTP Local, those with a local endpoint). */
  nodes: string[];
  sourceRanges: string[];
  service: string;
}

export function lbRules(targets: LbTarget[]): string {
  const nat = ['*nat', ':SVCLAB-LB - [0:0]', '-F SVCLAB-LB'];
  const filter = ['*filter', ':SVCLAB-LB-FW - [0:0]', '-F SVCLAB-LB-FW'];
  for (const t of targets) {
    const proto = t.protocol.toLowerCase();
    const match = `-d ${t.ip}/32 -p ${proto} -m ${proto} --dport ${t.port}`;
    const comment = `-m comment --comment "${t.service} loadbalancer"`;
    if (t.sourceRanges.length > 0) {
      // Traffic from outside the ranges is never DNATed; it reaches the router itself and is dropped here.
      filter.push(`-A SVCLAB-LB-FW ${match} ${comment} -j DROP`);
    }
    const sources = t.sourceRanges.length > 0 ? t.sourceRanges : [undefined];
    if (t.nodes.length === 0) {
      filter.push(`-A SVCLAB-LB-FW ${match} -m comment --comment "${t.service} has no eligible nodes" -j REJECT --reject-with icmp-port-unreachable`);
      continue;
    }
    for (const src of sources) {
      const from = src ? ` -s ${src}` : '';
      t.nodes.forEach((node, i) => {
        const left = t.nodes.length - i;
        const stat = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(10)}` : '';
        nat.push(`-A SVCLAB-LB${from} ${match} ${comment}${stat} -j DNAT --to-destination ${node}:${t.nodePort}`);
      });
    }
  }
  return [...nat, 'COMMIT', ...filter, 'COMMIT', ''].join('\n');
}

/** The jumps into our chains, added once; iptables-restore --noflush keeps everything else. */
export const baseRules = ['*nat', ':SVCLAB-LB - [0:0]', '-A PREROUTING -j SVCLAB-LB', 'COMMIT', '*filter', ':SVCLAB-LB-FW - [0:0]', '-A INPUT -j SVCLAB-LB-FW', 'COMMIT', ''].join('\n');
