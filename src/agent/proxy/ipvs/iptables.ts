// The iptables helpers of kube-proxy's IPVS mode: a constant number of rules
// whatever the number of services, matching the ipsets. They masquerade
// off-cluster traffic to cluster IPs, NodePort and LoadBalancer traffic
// (unless externalTrafficPolicy is Local) and hairpin connections
// (KUBE-LOOP-BACK), filter LoadBalancer source ranges, and reject new
// connections to a service IP on a port that is no service (every IP on
// kube-ipvs0 is local to the node, so its other ports would reach the node).
import { jumpSpec, masqueradeMark, type JumpRule } from '../iptables/render.js';
import { ipsets, type IpSetKey } from './names.js';

/** Base-chain jumps; each is inserted at the top (-I), so the last one ends up first. */
export const ipvsJumpRules: JumpRule[] = [
  { table: 'filter', chain: 'INPUT', target: 'KUBE-IPVS-FILTER', comment: 'kubernetes ipvs access filter', match: '' },
  { table: 'filter', chain: 'INPUT', target: 'KUBE-PROXY-FIREWALL', comment: 'kube-proxy firewall rules', match: '' },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-PROXY-FIREWALL', comment: 'kube-proxy firewall rules', match: '' },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-FORWARD', comment: 'kubernetes forwarding rules', match: '' },
  { table: 'nat', chain: 'OUTPUT', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', match: '' },
  { table: 'nat', chain: 'PREROUTING', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', match: '' },
  { table: 'nat', chain: 'POSTROUTING', target: 'KUBE-POSTROUTING', comment: 'kubernetes postrouting rules', match: '' },
];

const natChains = ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ'];
const filterChains = ['KUBE-FORWARD', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'KUBE-IPVS-FILTER'];

export interface IpvsRulesInput {
  clusterCIDR: string;
  /** Names of the ipsets that have members: rules matching only empty sets are left out, as upstream does. */
  nonEmpty: Set<string>;
  /** Base-chain jumps to insert (the missing ones). */
  missingJumps: JumpRule[];
  randomFully: boolean;
}

export interface IpvsRules {
  /** iptables-restore --noflush input. */
  text: string;
  /** Rules in kube-proxy's chains (jumps not counted). */
  rules: number;
}

export function renderIpvsIptables(input: IpvsRulesInput): IpvsRules {
  const has = (set: IpSetKey): boolean => input.nonEmpty.has(ipsets[set].name);
  const match = (set: IpSetKey, flags: string): string => `-m comment --comment "${ipsets[set].comment}" -m set --match-set ${ipsets[set].name} ${flags}`;
  const nat: string[] = [];
  const filter: string[] = [];
  const mark = `${masqueradeMark}/${masqueradeMark}`;

  nat.push(`-A KUBE-POSTROUTING ${match('loopBack', 'dst,dst,src')} -j MASQUERADE`);
  nat.push(`-A KUBE-POSTROUTING -m mark ! --mark ${mark} -j RETURN`);
  nat.push(`-A KUBE-POSTROUTING -j MARK --xor-mark ${masqueradeMark}`);
  nat.push(`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${input.randomFully ? ' --random-fully' : ''}`);
  nat.push(`-A KUBE-MARK-MASQ -j MARK --or-mark ${masqueradeMark}`);

  if (has('clusterIP') && input.clusterCIDR) nat.push(`-A KUBE-SERVICES ! -s ${input.clusterCIDR} ${match('clusterIP', 'dst,dst')} -j KUBE-MARK-MASQ`);
  if (has('loadBalancer')) {
    nat.push(`-A KUBE-SERVICES ${match('loadBalancer', 'dst,dst')} -j KUBE-LOAD-BALANCER`);
    if (has('loadBalancerLocal')) nat.push(`-A KUBE-LOAD-BALANCER ${match('loadBalancerLocal', 'dst,dst')} -j RETURN`);
    nat.push('-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ');
  }
  // Traffic to external IPs from off the node (not bridged in, not local) is accepted as is; the node's own is masqueraded first.
  const externalIPRules = (set: IpSetKey, masquerade: boolean): void => {
    if (!has(set)) return;
    if (masquerade) nat.push(`-A KUBE-SERVICES ${match(set, 'dst,dst')} -j KUBE-MARK-MASQ`);
    nat.push(`-A KUBE-SERVICES ${match(set, 'dst,dst')} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`);
    nat.push(`-A KUBE-SERVICES ${match(set, 'dst,dst')} -m addrtype --dst-type LOCAL -j ACCEPT`);
  };
  externalIPRules('externalIP', true);
  externalIPRules('externalIPLocal', false);

  const nodePorts: Array<[string, IpSetKey, IpSetKey, string]> = [
    ['tcp', 'nodePortLocalTCP', 'nodePortTCP', 'dst'],
    ['udp', 'nodePortLocalUDP', 'nodePortUDP', 'dst'],
    ['sctp', 'nodePortLocalSCTP', 'nodePortSCTP', 'dst,dst'],
  ];
  if (nodePorts.some(([, , all]) => has(all))) nat.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT');
  for (const [proto, local, all, flags] of nodePorts) {
    if (has(local)) nat.push(`-A KUBE-NODE-PORT -p ${proto} ${match(local, flags)} -j RETURN`);
    if (has(all)) nat.push(`-A KUBE-NODE-PORT -p ${proto} ${match(all, flags)} -j KUBE-MARK-MASQ`);
  }
  // Service traffic needs no other NAT: IPVS does it.
  if (has('clusterIP')) nat.push(`-A KUBE-SERVICES -m set --match-set ${ipsets.clusterIP.name} dst,dst -j ACCEPT`);
  if (has('loadBalancer')) nat.push(`-A KUBE-SERVICES -m set --match-set ${ipsets.loadBalancer.name} dst,dst -j ACCEPT`);

  filter.push(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark} -j ACCEPT`);
  filter.push('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  if (has('loadBalancerFW')) {
    filter.push(`-A KUBE-PROXY-FIREWALL ${match('loadBalancerFW', 'dst,dst')} -j KUBE-SOURCE-RANGES-FIREWALL`);
    filter.push(`-A KUBE-SOURCE-RANGES-FIREWALL ${match('loadBalancerSourceCIDR', 'dst,dst,src')} -j RETURN`);
    filter.push(`-A KUBE-SOURCE-RANGES-FIREWALL ${match('loadBalancerSourceIP', 'dst,dst,src')} -j RETURN`);
    filter.push('-A KUBE-SOURCE-RANGES-FIREWALL -j DROP');
  }
  for (const set of ['loadBalancer', 'clusterIP', 'externalIP', 'externalIPLocal'] as const) filter.push(`-A KUBE-IPVS-FILTER -m set --match-set ${ipsets[set].name} dst,dst -j RETURN`);
  filter.push(`-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set ${ipsets.ipvsIPs.name} dst -j REJECT`);

  const chain = (c: string): string => `:${c} - [0:0]`;
  const jumps = (table: JumpRule['table']): string[] => input.missingJumps.filter((j) => j.table === table).map((j) => `-I ${j.chain} ${jumpSpec(j)}`);
  const text = ['*filter', ...filterChains.map(chain), ...jumps('filter'), ...filter, 'COMMIT', '*nat', ...natChains.map(chain), ...jumps('nat'), ...nat, 'COMMIT', ''].join('\n');
  return { text, rules: nat.length + filter.length };
}
