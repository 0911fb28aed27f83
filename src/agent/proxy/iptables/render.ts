// The iptables-restore input kube-proxy's iptables proxier writes for one sync
// (pkg/proxy/iptables/proxier.go syncProxyRules): same chains, order, matches
// and comments, so iptables-save on a lab node reads like a real node.
import { contains, parseCidr, parseIp } from '../../../net/cidr.js';
import { serviceKey, type Endpoint, type NodeInfo, type ServicePort } from '../model.js';
import { endpointChain, isServiceChain, serviceChains } from './names.js';
import { endpointString, isProxied, trafficPlan, type TrafficPlan } from '../traffic-policy.js';

export const masqueradeMark = '0x4000';
/** Above this many endpoints kube-proxy drops the per-endpoint comments (large cluster mode). */
const largeClusterEndpointsThreshold = 1000;

export interface JumpRule {
  table: 'filter' | 'nat';
  chain: string;
  target: string;
  comment: string;
  match: string;
}

const ctNew = '-m conntrack --ctstate NEW';

/** Base-chain jumps, in kube-proxy's order; each is inserted at the top (-I), so the last one ends up first. */
export const jumpRules: JumpRule[] = [
  { table: 'filter', chain: 'INPUT', target: 'KUBE-EXTERNAL-SERVICES', comment: 'kubernetes externally-visible service portals', match: ctNew },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-EXTERNAL-SERVICES', comment: 'kubernetes externally-visible service portals', match: ctNew },
  { table: 'filter', chain: 'INPUT', target: 'KUBE-NODEPORTS', comment: 'kubernetes health check service ports', match: '' },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', match: ctNew },
  { table: 'filter', chain: 'OUTPUT', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', match: ctNew },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-FORWARD', comment: 'kubernetes forwarding rules', match: '' },
  { table: 'filter', chain: 'INPUT', target: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', match: ctNew },
  { table: 'filter', chain: 'OUTPUT', target: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', match: ctNew },
  { table: 'filter', chain: 'FORWARD', target: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', match: ctNew },
  { table: 'nat', chain: 'OUTPUT', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', match: '' },
  { table: 'nat', chain: 'PREROUTING', target: 'KUBE-SERVICES', comment: 'kubernetes service portals', match: '' },
  { table: 'nat', chain: 'POSTROUTING', target: 'KUBE-POSTROUTING', comment: 'kubernetes postrouting rules', match: '' },
];

/** The rule text after "-A <chain> ", as iptables-save prints it back. */
export function jumpSpec(j: JumpRule): string {
  return `${j.match ? `${j.match} ` : ''}-m comment --comment "${j.comment}" -j ${j.target}`;
}

export const canaryChain = 'KUBE-PROXY-CANARY';
const filterChains = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'];
const natChains = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];

export interface RenderRequest {
  node: NodeInfo;
  services: ServicePort[];
  /** Service keys whose per-service chains are rewritten; undefined = all (full sync). */
  rewrite?: Set<string>;
  /** The same services by serviceKey() (saves computing keys). */
  byKey?: ReadonlyMap<string, ServicePort>;
  /**
   * Kept by the caller between syncs: the dispatch and filter lines of services a partial sync does not
   * rewrite, so such a sync renders only what changed (KUBE-SERVICES itself is still rewritten whole).
   */
  cache?: Map<string, CachedService>;
  /** Per-service nat chains present in the kernel; those no longer used are deleted. */
  existingChains: Iterable<string>;
  /** Base-chain jumps to insert (the missing ones, on full syncs). */
  missingJumps?: JumpRule[];
  /** (Re)declare the KUBE-PROXY-CANARY chains in mangle, nat and filter. */
  canaries?: boolean;
  randomFully?: boolean;
}

export interface EndpointChainInfo {
  service: string;
  endpoint: string;
}

export interface Rendered {
  text: string;
  /** Per-service nat chains in use after this sync, by service key. */
  chains: Map<string, string[]>;
  /** Every KUBE-SEP chain in use: which service port and endpoint it serves. */
  endpointChains: Map<string, EndpointChainInfo>;
  staleChains: string[];
  largeCluster: boolean;
  /** Rules in kube-proxy's filter chains. */
  filterRules: number;
  /** Rules in kube-proxy's nat chains, counting the ones a partial sync leaves untouched (sync_proxy_rules_iptables_total). */
  natRules: number;
  /** Lines that change the kernel in this restore: -A, -I and -X. */
  written: number;
}

/** Lines of one section; a discarding buffer only counts (for chains a partial sync skips). */
class Lines {
  readonly lines: string[] = [];
  count = 0;
  constructor(private readonly keep = true) {}
  add(...parts: string[]): void {
    this.count++;
    if (this.keep) this.lines.push(parts.filter(Boolean).join(' '));
  }
}

const chainLine = (chain: string): string => `:${chain} - [0:0]`;
const probabilities: string[] = [];
/** 1/n with 10 decimals, as kube-proxy prints it. */
function probability(n: number): string {
  return (probabilities[n] ??= (1 / n).toFixed(10));
}

export function isLargeCluster(services: ServicePort[]): boolean {
  let total = 0;
  for (const sp of services) if (isProxied(sp)) total += sp.endpoints.length;
  return total > largeClusterEndpointsThreshold;
}

interface Context {
  node: NodeInfo;
  nodeIPs: number[];
  largeCluster: boolean;
  filterRules: Lines;
  natRules: Lines;
  natChains: Lines;
  skippedRules: Lines;
  active: Set<string>;
  chains: Map<string, string[]>;
  endpointChains: Map<string, EndpointChainInfo>;
}

export function renderIptables(req: RenderRequest): Rendered {
  const largeCluster = isLargeCluster(req.services);
  const ctx: Context = {
    node: req.node,
    nodeIPs: req.node.ips.map(parseIp).filter((n): n is number => n !== undefined),
    largeCluster,
    filterRules: new Lines(),
    natRules: new Lines(),
    natChains: new Lines(),
    skippedRules: new Lines(false),
    active: new Set(),
    chains: new Map(),
    endpointChains: new Map(),
  };
  const filterChainLines = filterChains.map(chainLine);
  for (const c of natChains) ctx.natChains.add(chainLine(c));

  const { natRules } = ctx;
  natRules.add('-A KUBE-POSTROUTING', `-m mark ! --mark ${masqueradeMark}/${masqueradeMark}`, '-j RETURN');
  // Clear the mark so a packet that re-traverses the stack is not masqueraded twice.
  natRules.add('-A KUBE-POSTROUTING', `-j MARK --xor-mark ${masqueradeMark}`);
  natRules.add('-A KUBE-POSTROUTING', '-m comment --comment "kubernetes service traffic requiring SNAT"', '-j MASQUERADE', req.randomFully === false ? '' : '--random-fully');
  natRules.add('-A KUBE-MARK-MASQ', `-j MARK --or-mark ${masqueradeMark}`);

  const byKey = req.byKey ?? new Map(req.services.map((sp) => [serviceKey(sp), sp]));
  const services = [...byKey].filter(([, sp]) => isProxied(sp)).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [key, sp] of services) {
    const rewrite = req.rewrite === undefined || req.rewrite.has(key);
    const cached = rewrite ? undefined : req.cache?.get(key);
    if (cached) replay(cached, ctx, key);
    else if (rewrite || !req.cache) renderService(sp, ctx, rewrite);
    else req.cache.set(key, recorded(ctx, key, () => renderService(sp, ctx, false)));
  }
  // A rewritten service's lines are recorded (without its chains) the next time it is left alone.
  if (req.cache && !req.rewrite) req.cache.clear();
  else if (req.cache) for (const key of req.rewrite ?? []) req.cache.delete(key);

  const staleChains = [...new Set(req.existingChains)].filter((c) => isServiceChain(c) && !ctx.active.has(c)).sort();
  // A chain line flushes the chain; then it can be deleted.
  for (const c of staleChains) ctx.natChains.add(chainLine(c));

  natRules.add('-A KUBE-SERVICES', '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"', '-m addrtype --dst-type LOCAL', '-j KUBE-NODEPORTS');

  const { filterRules } = ctx;
  filterRules.add('-A KUBE-FORWARD', '-m conntrack --ctstate INVALID', '-j DROP');
  // Lets NodePort traffic through even when the FORWARD policy is DROP.
  filterRules.add('-A KUBE-FORWARD', '-m comment --comment "kubernetes forwarding rules"', `-m mark --mark ${masqueradeMark}/${masqueradeMark}`, '-j ACCEPT');
  filterRules.add('-A KUBE-FORWARD', '-m comment --comment "kubernetes forwarding conntrack rule"', '-m conntrack --ctstate RELATED,ESTABLISHED', '-j ACCEPT');

  const jumps = (table: JumpRule['table']): string[] => (req.missingJumps ?? []).filter((j) => j.table === table).map((j) => `-I ${j.chain} ${jumpSpec(j)}`);
  const canary = req.canaries ? [chainLine(canaryChain)] : [];
  const text = [
    ...(req.canaries ? ['*mangle', chainLine(canaryChain), 'COMMIT'] : []),
    '*filter',
    ...filterChainLines,
    ...canary,
    ...jumps('filter'),
    ...filterRules.lines,
    'COMMIT',
    '*nat',
    ...ctx.natChains.lines,
    ...canary,
    ...jumps('nat'),
    ...natRules.lines,
    ...staleChains.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');

  return {
    text,
    chains: ctx.chains,
    endpointChains: ctx.endpointChains,
    staleChains,
    largeCluster,
    filterRules: filterRules.count,
    natRules: natRules.count + ctx.skippedRules.count,
    written: filterRules.count + natRules.count + (req.missingJumps?.length ?? 0) + staleChains.length,
  };
}

/** What an unchanged service adds to a partial sync: its dispatch and filter lines, counts and chain names. */
export interface CachedService {
  filter: string[];
  nat: string[];
  filterCount: number;
  natCount: number;
  skippedCount: number;
  chains: string[];
  endpointChains: [string, EndpointChainInfo][];
}

function recorded(ctx: Context, key: string, render: () => void): CachedService {
  const at = { filter: ctx.filterRules.lines.length, nat: ctx.natRules.lines.length, fc: ctx.filterRules.count, nc: ctx.natRules.count, sc: ctx.skippedRules.count };
  render();
  const chains = ctx.chains.get(key) ?? [];
  return {
    filter: ctx.filterRules.lines.slice(at.filter),
    nat: ctx.natRules.lines.slice(at.nat),
    filterCount: ctx.filterRules.count - at.fc,
    natCount: ctx.natRules.count - at.nc,
    skippedCount: ctx.skippedRules.count - at.sc,
    chains,
    endpointChains: chains.flatMap((c) => (ctx.endpointChains.has(c) ? [[c, ctx.endpointChains.get(c)!] as [string, EndpointChainInfo]] : [])),
  };
}

function replay(c: CachedService, ctx: Context, key: string): void {
  ctx.filterRules.lines.push(...c.filter);
  ctx.filterRules.count += c.filterCount;
  ctx.natRules.lines.push(...c.nat);
  ctx.natRules.count += c.natCount;
  ctx.skippedRules.count += c.skippedCount;
  for (const chain of c.chains) ctx.active.add(chain);
  ctx.chains.set(key, c.chains);
  for (const [chain, info] of c.endpointChains) ctx.endpointChains.set(chain, info);
}

function renderService(sp: ServicePort, ctx: Context, rewrite: boolean): void {
  const plan = trafficPlan(sp);
  const { name, protocol } = plan;
  const chains = serviceChains(name, protocol);
  const port = String(sp.port);
  const proto = `-m ${protocol} -p ${protocol}`;
  const filterRules = ctx.filterRules;
  // Chains of a service a partial sync skips are still counted, but not written.
  const natRules = rewrite ? ctx.natRules : ctx.skippedRules;
  const used: string[] = [];
  const use = (chain: string): void => {
    if (rewrite) ctx.natChains.add(chainLine(chain));
    used.push(chain);
  };

  const internalChain = plan.internalLocal ? chains.local : chains.cluster;
  const externalPolicyChain = plan.externalLocal ? chains.local : chains.cluster;
  const usesFirewall = plan.hasEndpoints && sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  const loadBalancerChain = usesFirewall ? chains.firewall : chains.external;

  // Where nothing can serve: REJECT (no endpoints at all) or DROP (no local endpoints for a Local policy).
  const noEndpoints = { comment: `"${name} has no endpoints"`, target: 'REJECT' };
  const noLocal = { comment: `"${name} has no local endpoints"`, target: 'DROP' };
  const unusable = plan.hasEndpoints ? noLocal : noEndpoints;
  const filter = (chain: string, f: typeof noLocal, ...matches: string[]): void => filterRules.add(`-A ${chain}`, `-m comment --comment ${f.comment}`, ...matches, `-j ${f.target}`);

  // Capture the cluster IP.
  if (plan.hasInternalEndpoints) {
    ctx.natRules.add('-A KUBE-SERVICES', `-m comment --comment "${name} cluster IP"`, proto, `-d ${sp.clusterIP} --dport ${port}`, `-j ${internalChain}`);
  } else {
    filter('KUBE-SERVICES', unusable, proto, `-d ${sp.clusterIP} --dport ${port}`);
  }
  for (const ip of sp.externalIPs) {
    if (plan.hasEndpoints) ctx.natRules.add('-A KUBE-SERVICES', `-m comment --comment "${name} external IP"`, proto, `-d ${ip} --dport ${port}`, `-j ${chains.external}`);
    if (!plan.hasExternalEndpoints) filter('KUBE-EXTERNAL-SERVICES', unusable, proto, `-d ${ip} --dport ${port}`);
  }
  for (const ip of sp.loadBalancerIPs) {
    if (plan.hasEndpoints) ctx.natRules.add('-A KUBE-SERVICES', `-m comment --comment "${name} loadbalancer IP"`, proto, `-d ${ip} --dport ${port}`, `-j ${loadBalancerChain}`);
    if (usesFirewall) filterRules.add('-A KUBE-PROXY-FIREWALL', `-m comment --comment "${name} traffic not accepted by ${chains.firewall}"`, proto, `-d ${ip} --dport ${port}`, '-j DROP');
  }
  if (!plan.hasExternalEndpoints) for (const ip of sp.loadBalancerIPs) filter('KUBE-EXTERNAL-SERVICES', unusable, proto, `-d ${ip} --dport ${port}`);
  if (sp.nodePort !== 0) {
    if (plan.hasEndpoints) ctx.natRules.add('-A KUBE-NODEPORTS', `-m comment --comment ${name}`, proto, `--dport ${sp.nodePort}`, `-j ${chains.external}`);
    if (!plan.hasExternalEndpoints) filter('KUBE-EXTERNAL-SERVICES', unusable, '-m addrtype --dst-type LOCAL', proto, `--dport ${sp.nodePort}`);
  }

  const clusterCIDR = ctx.node.clusterCIDR;
  // Masquerade off-cluster traffic to the cluster IP: it may be bridged in from another node.
  if (plan.hasInternalEndpoints && clusterCIDR) {
    natRules.add(`-A ${internalChain}`, `-m comment --comment "${name} cluster IP"`, proto, `-d ${sp.clusterIP} --dport ${port}`, `! -s ${clusterCIDR}`, '-j KUBE-MARK-MASQ');
  }

  if (plan.usesExternalChain) {
    use(chains.external);
    if (!plan.externalLocal) {
      natRules.add(`-A ${chains.external}`, `-m comment --comment "masquerade traffic for ${name} external destinations"`, '-j KUBE-MARK-MASQ');
    } else {
      // Pods and the node itself reach external IPs through any endpoint, as if the packet had gone out to a load balancer and back.
      if (clusterCIDR) natRules.add(`-A ${chains.external}`, `-m comment --comment "pod traffic for ${name} external destinations"`, `-s ${clusterCIDR}`, `-j ${chains.cluster}`);
      natRules.add(`-A ${chains.external}`, `-m comment --comment "masquerade LOCAL traffic for ${name} external destinations"`, '-m addrtype --src-type LOCAL', '-j KUBE-MARK-MASQ');
      natRules.add(`-A ${chains.external}`, `-m comment --comment "route LOCAL traffic for ${name} external destinations"`, '-m addrtype --src-type LOCAL', `-j ${chains.cluster}`);
    }
    if (plan.hasExternalEndpoints) natRules.add(`-A ${chains.external}`, `-j ${externalPolicyChain}`);
  }

  if (usesFirewall) {
    use(chains.firewall);
    const fw = [`-A ${chains.firewall}`, `-m comment --comment "${name} loadbalancer IP"`];
    let allowFromNode = false;
    for (const range of sp.loadBalancerSourceRanges) {
      natRules.add(...fw, `-s ${range}`, `-j ${chains.external}`);
      const cidr = parseCidr(range);
      if (cidr && ctx.nodeIPs.some((ip) => contains(cidr, ip))) allowFromNode = true;
    }
    // A node reaching its own VIP-like LB IP comes back with the LB IP as source.
    if (allowFromNode) for (const ip of sp.loadBalancerIPs) natRules.add(...fw, `-s ${ip}`, `-j ${chains.external}`);
    natRules.add(`-A ${chains.firewall}`, `-m comment --comment "other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL"`);
  }

  if (plan.usesClusterChain) {
    use(chains.cluster);
    endpointRules(natRules, plan, sp, chains.cluster, plan.clusterEndpoints, ctx.largeCluster);
  }
  if (plan.usesLocalChain) {
    use(chains.local);
    endpointRules(natRules, plan, sp, chains.local, plan.localEndpoints, ctx.largeCluster);
  }

  const comment = ctx.largeCluster ? '' : `-m comment --comment ${name}`;
  for (const ep of plan.reachable) {
    const target = endpointString(ep);
    const chain = endpointChain(name, protocol, target);
    use(chain);
    ctx.endpointChains.set(chain, { service: serviceKey(sp), endpoint: target });
    // Hairpin: an endpoint reaching itself through the service must be masqueraded.
    natRules.add(`-A ${chain}`, comment, `-s ${ep.ip}`, '-j KUBE-MARK-MASQ');
    const affinity = sp.sessionAffinity === 'ClientIP' ? `-m recent --name ${chain} --set` : '';
    natRules.add(`-A ${chain}`, comment, affinity, proto, `-j DNAT --to-destination ${target}`);
  }

  for (const c of used) ctx.active.add(c);
  ctx.chains.set(serviceKey(sp), used);
}

/** Affinity checks first, then one statistic rule per endpoint: endpoint i matches with 1/(n-i), the last always. */
function endpointRules(natRules: Lines, plan: TrafficPlan, sp: ServicePort, chain: string, endpoints: Endpoint[], largeCluster: boolean): void {
  const comment = (ep: Endpoint): string => (largeCluster ? '' : `-m comment --comment "${plan.name} -> ${endpointString(ep)}"`);
  const sep = (ep: Endpoint): string => endpointChain(plan.name, plan.protocol, endpointString(ep));
  if (sp.sessionAffinity === 'ClientIP') {
    for (const ep of endpoints) {
      natRules.add(`-A ${chain}`, comment(ep), `-m recent --name ${sep(ep)} --rcheck --seconds ${sp.stickyMaxAgeSeconds} --reap`, `-j ${sep(ep)}`);
    }
  }
  endpoints.forEach((ep, i) => {
    const statistic = i < endpoints.length - 1 ? `-m statistic --mode random --probability ${probability(endpoints.length - i)}` : '';
    natRules.add(`-A ${chain}`, comment(ep), statistic, `-j ${sep(ep)}`);
  });
}
