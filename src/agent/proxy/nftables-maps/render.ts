// The nftables-maps mode (svclab's own design, beyond kube-proxy): one table
// whose per-service state lives only in sets and maps. A service port is a few
// elements: its entry points in a verdict map that jumps to a chain shared by
// every service with the same number of endpoints, and one element per
// endpoint in a map keyed by entry point and index. The shared chain picks the
// index (`ct mark set numgen random mod N`) and DNATs through the map. So a
// change is an element update, and a sync costs what changed, not what exists.
import { contains, parseCidr, parseIp } from '../../../net/cidr.js';
import { serviceKey, type Endpoint, type NodeInfo, type ServicePort, type SyncRequest } from '../model.js';
import { baseChains, masqueradeMark } from '../nftables/render.js';
import { addBaseChains } from '../nftables/tables.js';
import { Transaction, type Element } from '../nftables/transaction.js';
import { isProxied, trafficPlan, type TrafficPlan } from '../traffic-policy.js';
import { OwnedElements } from '../nftables/owned-elements.js';

export const mapsTable = 'svclab-maps';

const entryType = 'ipv4_addr . inet_proto . inet_service';
const portType = 'inet_proto . inet_service';
const target = 'ipv4_addr . inet_service';
const ipKey = 'ip daddr . meta l4proto . th dport';
const portKey = 'meta l4proto . th dport';
/** Dynamic map of client . entry point -> endpoint, filled by the packets themselves. */
export const affinityMap = 'affinity';
const affinitySize = 262_144;
const protocols = ['tcp', 'udp', 'sctp'];

/** The four endpoint maps: by entry point (IP or node port) and by traffic policy (all endpoints or this node's). */
export const endpointMaps = {
  cluster: { name: 'cluster-endpoints', keyType: `${entryType} . mark`, key: ipKey, pick: 'endpoints' },
  local: { name: 'local-endpoints', keyType: `${entryType} . mark`, key: ipKey, pick: 'local-endpoints' },
  nodeportCluster: { name: 'nodeport-endpoints', keyType: `${portType} . mark`, key: portKey, pick: 'nodeport-endpoints' },
  nodeportLocal: { name: 'nodeport-local-endpoints', keyType: `${portType} . mark`, key: portKey, pick: 'nodeport-local-endpoints' },
} as const;
type EndpointMap = (typeof endpointMaps)[keyof typeof endpointMaps];

export interface BuildOptions {
  full: boolean;
  /** On full syncs: the chains and sets the kernel holds in our table. */
  existingChains?: string[];
  existingSets?: string[];
}

export interface Built {
  text: string;
  written: number;
  total: number;
  /** Set when recorded affinities may be stale (endpoints left, timeout changed, full sync): what is still valid. */
  affinityCheck?: AffinityCheck;
}

export interface AffinityCheck {
  /** Affinity entry point ("ip . proto . port") -> the endpoints ("ip . port") a client may stick to there. */
  valid: Map<string, Set<string>>;
  /** Entry points whose recorded clients all go (their timeout changed). */
  reset: Set<string>;
}

/** Pick chain of a map for N endpoints: affinity first, then a random index into the map. */
function pickRules(map: EndpointMap, n: number): string[] {
  return [
    `dnat ip addr . port to ip saddr . ip daddr . meta l4proto . th dport map @${affinityMap}`,
    n === 1 ? 'ct mark set 0' : `ct mark set numgen random mod ${n}`,
    `dnat ip addr . port to ${map.key} . ct mark map @${map.name}`,
  ];
}

/**
 * The shared chains, named by what they do and for how many endpoints:
 * endpoints-N (and local-/nodeport-/nodeport-local-) pick one of N; external-N and nodeport-N masquerade
 * first (externalTrafficPolicy Cluster); external-local-M-N and nodeport-local-M-N send pods and the node
 * itself to all M endpoints and the rest to this node's N (externalTrafficPolicy Local).
 */
export function sharedChainRules(chain: string, clusterCIDR: string): { rules: string[]; uses: string[] } | undefined {
  for (const map of Object.values(endpointMaps)) {
    const m = new RegExp(`^${map.pick}-(\\d+)$`).exec(chain);
    if (m) return { rules: pickRules(map, Number(m[1])), uses: [] };
  }
  let m = /^(external|nodeport)-(\d+)$/.exec(chain);
  if (m) {
    const pick = `${m[1] === 'external' ? 'endpoints' : 'nodeport-endpoints'}-${m[2]}`;
    return { rules: ['jump mark-for-masquerade', `goto ${pick}`], uses: [pick] };
  }
  m = /^(external|nodeport)-local-(\d+)-(\d+)$/.exec(chain);
  if (m) {
    const prefix = m[1] === 'external' ? '' : 'nodeport-';
    const local = Number(m[3]) > 0 ? `${prefix}local-endpoints-${m[3]}` : undefined;
    // With internalTrafficPolicy Local too there is no cluster-wide list: pods and the node get the local one.
    const all = Number(m[2]) > 0 ? `${prefix}endpoints-${m[2]}` : local;
    if (!all) return undefined;
    const rules = [
      ...(clusterCIDR ? [`ip saddr ${clusterCIDR} goto ${all}`] : []),
      'fib saddr type local jump mark-for-masquerade',
      `fib saddr type local goto ${all}`,
      ...(local ? [`goto ${local}`] : []),
    ];
    return { rules, uses: local ? [all, local] : [all] };
  }
  return undefined;
}

const fixedChains = new Set([
  ...baseChains.map((c) => c.name),
  'services',
  'firewall-check',
  'service-endpoints-check',
  'nodeport-endpoints-check',
  'cluster-ips-check',
  'reject-chain',
  'mark-for-masquerade',
  'masquerading',
]);

function isSharedChain(chain: string): boolean {
  return !fixedChains.has(chain);
}

/** Our view of the table, kept between syncs so a partial sync sends only the elements that changed. */
export class MapsRules {
  private readonly clusterIPs = new OwnedElements('set', 'cluster-ips');
  private readonly serviceIPs = new OwnedElements('map', 'service-ips');
  private readonly serviceNodePorts = new OwnedElements('map', 'service-nodeports');
  private readonly noEndpointServices = new OwnedElements('map', 'no-endpoint-services');
  private readonly noEndpointNodePorts = new OwnedElements('map', 'no-endpoint-nodeports');
  private readonly firewallIPs = new OwnedElements('set', 'firewall-ips');
  private readonly firewallAllow = new OwnedElements('set', 'firewall-allow');
  private readonly hairpin = new OwnedElements('set', 'hairpin');
  private readonly endpoints = new Map(Object.values(endpointMaps).map((m) => [m.name, new OwnedElements('map', m.name)]));
  /** Entry points of ClientIP-affinity services, one set per timeout (affinity-<seconds>). */
  private readonly affinitySets = new Map<number, OwnedElements>();
  private readonly storeByName = new Map<string, OwnedElements>();
  private readonly stores = [this.clusterIPs, this.serviceIPs, this.serviceNodePorts, this.noEndpointServices, this.noEndpointNodePorts, this.firewallIPs, this.firewallAllow, this.hairpin, ...this.endpoints.values()];
  /** Shared chains in the kernel, and those unused since the previous sync (deleted one sync later, as upstream defers). */
  private chains = new Set<string>();
  private unused = new Set<string>();
  /** The affinity timeouts the nat-postrouting rules record for. */
  private recorded = '';
  /** Per service port: its affinity entry points and endpoints as last programmed. */
  private affinityOf = new Map<string, { timeout: number; entries: string[]; endpoints: Set<string> }>();
  private baseRules = 0;

  build(req: SyncRequest, opts: BuildOptions): Built {
    const head = new Transaction(mapsTable, true);
    const body = new Transaction(mapsTable, true);
    const tail = new Transaction(mapsTable, true);
    if (opts.full) {
      this.baseRules = this.setup(head, req.node);
      for (const store of this.stores) store.reset(head);
      // Recreated (and flushed) as services claim them; the kernel's leftovers are deleted below.
      this.affinitySets.clear();
      this.chains = new Set((opts.existingChains ?? []).filter(isSharedChain));
      this.unused.clear();
      this.affinityOf = new Map();
      this.recorded = '';
    }
    const byKey = req.byKey ?? new Map(req.services.map((sp) => [serviceKey(sp), sp]));
    const wanted = new Map<string, ServiceElements>();
    if (opts.full) {
      // Everything was reset: claim service by service, nothing to release.
      for (const [key, sp] of byKey) {
        if (!isProxied(sp)) continue;
        const affinity = serviceElements(sp, req.node, (store, e) => this.store(store).claimOne(body, key, e));
        if (affinity) this.affinitySet(head, affinity.timeout).claim(body, key, affinity.entries);
        wanted.set(key, { affinity });
      }
    } else {
      for (const key of req.changed ?? []) {
        const sp = byKey.get(key);
        const elements = new Map<string, Element[]>();
        const affinity = sp && isProxied(sp) ? serviceElements(sp, req.node, (store, e) => void (elements.get(store)?.push(e) ?? elements.set(store, [e]))) : undefined;
        wanted.set(key, { affinity, elements });
      }
      // Release first, store by store, so an element moving from one service to another (a reused cluster IP) is re-added, not lost.
      for (const store of this.stores) for (const [key, want] of wanted) store.release(body, key, want.elements?.get(store.name));
      for (const [timeout, set] of this.affinitySets) for (const [key, want] of wanted) set.release(body, key, want.affinity?.timeout === timeout ? want.affinity.entries : []);
      for (const store of this.stores) for (const [key, want] of wanted) store.claim(body, key, want.elements?.get(store.name) ?? []);
      for (const [key, want] of wanted) if (want.affinity) this.affinitySet(head, want.affinity.timeout).claim(body, key, want.affinity.entries);
    }

    const affinityCheck = this.affinityChanges(wanted, opts.full);

    // Shared chains: create the ones now used, delete the ones unused since the previous sync.
    const used = this.usedChains(req.node.clusterCIDR);
    for (const chain of used) {
      if (this.chains.has(chain)) continue;
      head.addChain(chain);
      head.flushChain(chain);
      for (const rule of sharedChainRules(chain, req.node.clusterCIDR)!.rules) head.addRule(chain, rule);
      this.chains.add(chain);
    }
    const nowUnused = new Set([...this.chains].filter((c) => !used.has(c)));
    const gone = [...nowUnused].filter((c) => this.unused.has(c));
    // All flushed before any is deleted: one may still jump to another (external-3 -> endpoints-3).
    for (const chain of gone) tail.flushChain(chain);
    for (const chain of gone) {
      tail.deleteChain(chain);
      this.chains.delete(chain);
      nowUnused.delete(chain);
    }
    this.unused = nowUnused;
    this.recordAffinity(head, opts.full);
    for (const [timeout, set] of this.affinitySets) {
      if (set.size > 0) continue;
      tail.deleteSet('set', set.name);
      this.affinitySets.delete(timeout);
    }
    // Affinity sets of an earlier run that no rule uses any more (nat-postrouting was rewritten above).
    for (const name of opts.existingSets ?? []) {
      if (/^affinity-\d+$/.test(name) && !this.affinitySets.has(Number(name.slice('affinity-'.length)))) tail.deleteSet('set', name);
    }

    let total = this.baseRules;
    for (const store of this.stores) total += store.size;
    for (const chain of this.chains) total += sharedChainRules(chain, req.node.clusterCIDR)?.rules.length ?? 0;
    const text = head.text() + body.text() + tail.text();
    return { text, written: head.written + body.written + tail.written, total, ...(affinityCheck ? { affinityCheck } : {}) };
  }

  private store(name: string): OwnedElements {
    if (this.storeByName.size === 0) for (const s of this.stores) this.storeByName.set(s.name, s);
    return this.storeByName.get(name)!;
  }

  /** Forget everything: the next build must be a full one. */
  reset(): void {
    this.chains.clear();
    this.unused.clear();
    this.affinityOf.clear();
    this.recorded = '';
  }

  private affinitySet(tx: Transaction, timeout: number): OwnedElements {
    let set = this.affinitySets.get(timeout);
    if (!set) {
      set = new OwnedElements('set', `affinity-${timeout}`);
      tx.addSet('set', set.name, entryType, { comment: `entry points of ClientIP affinity services, ${timeout} s` });
      // It may exist already (an earlier run): start from empty, as this view does.
      tx.flushSet('set', set.name);
      this.affinitySets.set(timeout, set);
    }
    return set;
  }

  /**
   * nat-postrouting records each new connection to an affinity entry point (client . entry point -> the
   * endpoint it was DNATed to) with that service's timeout; rewritten when the set of timeouts changes.
   */
  private recordAffinity(tx: Transaction, full: boolean): void {
    const timeouts = [...this.affinitySets].filter(([, s]) => s.size > 0).map(([t]) => t).sort((a, b) => a - b);
    const sig = timeouts.join(',');
    if (!full && sig === this.recorded) return;
    this.recorded = sig;
    tx.flushChain('nat-postrouting');
    for (const timeout of timeouts) {
      for (const proto of protocols) {
        const entry = 'ct original ip daddr . meta l4proto . ct original proto-dst';
        tx.addRule(
          'nat-postrouting',
          `meta l4proto ${proto} ${entry} @affinity-${timeout} update @${affinityMap} { ct original ip saddr . ${entry} timeout ${timeout}s : ip daddr . ${proto} dport }`,
        );
      }
    }
    tx.addRule('nat-postrouting', 'jump masquerading');
  }

  /** What recorded affinities may still point at, when a change (or a full sync) may have left some stale. */
  private affinityChanges(wanted: Map<string, ServiceElements>, full: boolean): AffinityCheck | undefined {
    const reset = new Set<string>();
    let changed = full;
    for (const [key, want] of wanted) {
      const before = this.affinityOf.get(key);
      const after = want.affinity;
      if (after) this.affinityOf.set(key, { timeout: after.timeout, entries: after.entries.map((e) => e.key.join(' . ')), endpoints: after.endpoints });
      else this.affinityOf.delete(key);
      if (!before) continue;
      if (!after || after.timeout !== before.timeout) for (const entry of before.entries) reset.add(entry);
      if (!after || [...before.endpoints].some((ep) => !after.endpoints.has(ep))) changed = true;
    }
    if (!changed && reset.size === 0) return undefined;
    const valid = new Map<string, Set<string>>();
    for (const a of this.affinityOf.values()) for (const entry of a.entries) valid.set(entry, a.endpoints);
    return { valid, reset };
  }

  /** The shared chains the dispatch maps reach, each after the chains it jumps to (the order to create them in). */
  private usedChains(clusterCIDR: string): Set<string> {
    const used = new Set<string>();
    const seen = new Set<string>();
    const visit = (chain: string): void => {
      if (seen.has(chain)) return;
      seen.add(chain);
      for (const next of sharedChainRules(chain, clusterCIDR)?.uses ?? []) visit(next);
      used.add(chain);
    };
    for (const store of [this.serviceIPs, this.serviceNodePorts]) {
      for (const v of store.usedValues()) if (v.startsWith('goto ')) visit(v.slice(5));
    }
    return used;
  }

  /** Table, fixed chains and their rules, the sets and maps; returns the number of rules. */
  private setup(tx: Transaction, node: NodeInfo): number {
    const before = tx.rules;
    tx.addTable('svclab nftables-maps proxy: per-service state in sets and maps only');
    addBaseChains(tx, baseChains);
    for (const c of fixedChains) {
      if (baseChains.some((b) => b.name === c)) continue;
      tx.addChain(c);
      tx.flushChain(c);
    }
    const nodeIPs = node.ips.filter((ip) => !ip.startsWith('127.'));
    const nodePortDst = nodeIPs.length ? 'ip daddr @nodeport-ips' : 'fib daddr type local ip daddr != 127.0.0.0/8';
    tx.addSet('set', 'nodeport-ips', 'ipv4_addr', { comment: 'IPs that accept NodePort traffic' });
    tx.flushSet('set', 'nodeport-ips');
    for (const ip of nodeIPs) tx.addElement('nodeport-ips', { key: [ip] });
    tx.addSet('set', 'cluster-ips', 'ipv4_addr', { comment: 'Active ClusterIPs' });
    tx.addSet('map', 'service-ips', `${entryType} : verdict`, { comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic -> the shared chain for its endpoint count' });
    tx.addSet('map', 'service-nodeports', `${portType} : verdict`, { comment: 'NodePort traffic -> the shared chain for its endpoint count' });
    tx.addSet('map', 'no-endpoint-services', `${entryType} : verdict`, { comment: 'services with no endpoints: reject, or drop without local ones' });
    tx.addSet('map', 'no-endpoint-nodeports', `${portType} : verdict`, { comment: 'nodeports with no endpoints: reject, or drop without local ones' });
    tx.addSet('set', 'firewall-ips', entryType, { comment: 'LoadBalancer IPs with loadBalancerSourceRanges' });
    tx.addSet('set', 'firewall-allow', `${entryType} . ipv4_addr`, { flags: 'interval', comment: 'LoadBalancer IP . source range that may connect' });
    tx.addSet('set', 'hairpin', 'ipv4_addr . ipv4_addr', { comment: 'endpoint . itself: a pod reaching itself through a service is masqueraded' });
    for (const map of Object.values(endpointMaps)) {
      tx.addSet('map', map.name, `${map.keyType} : ${target}`, { counter: true, comment: 'entry point . index -> endpoint' });
    }
    tx.addSet('map', affinityMap, `ipv4_addr . ${entryType} : ${target}`, { flags: 'dynamic,timeout', size: affinitySize, timeoutSeconds: 10800, comment: 'client . entry point -> endpoint (ClientIP affinity)' });

    const jumps: [string, string][] = [
      ['filter-prerouting', 'ct state new jump firewall-check'],
      ['filter-input', 'ct state new jump nodeport-endpoints-check'],
      ['filter-input', 'ct state new jump service-endpoints-check'],
      ['filter-forward', 'ct state new jump service-endpoints-check'],
      ['filter-forward', 'ct state new jump cluster-ips-check'],
      ['filter-output', 'ct state new jump service-endpoints-check'],
      ['filter-output', 'ct state new jump firewall-check'],
      ['filter-output-post-dnat', 'ct state new jump cluster-ips-check'],
      ['nat-prerouting', 'jump services'],
      ['nat-output', 'jump services'],
    ];
    for (const [chain, rule] of jumps) tx.addRule(chain, rule);
    tx.addRule('firewall-check', `${ipKey} @firewall-ips ${ipKey} . ip saddr != @firewall-allow drop`);
    tx.addRule('service-endpoints-check', `${ipKey} vmap @no-endpoint-services`);
    tx.addRule('nodeport-endpoints-check', `${nodePortDst} ${portKey} vmap @no-endpoint-nodeports`);
    tx.addRule('cluster-ips-check', 'ip daddr @cluster-ips reject', 'Reject traffic to invalid ports of ClusterIPs');
    tx.addRule('reject-chain', 'reject');
    tx.addRule('mark-for-masquerade', `mark set mark or ${masqueradeMark}`);
    // Off-cluster sources to a cluster IP are masqueraded: they may be bridged in from another node.
    if (node.clusterCIDR) tx.addRule('services', `ip daddr @cluster-ips ip saddr != ${node.clusterCIDR} jump mark-for-masquerade`);
    tx.addRule('services', `${ipKey} vmap @service-ips`);
    tx.addRule('services', `${nodePortDst} ${portKey} vmap @service-nodeports`);
    tx.addRule('masquerading', `ip saddr . ip daddr @hairpin jump mark-for-masquerade`);
    tx.addRule('masquerading', `mark and ${masqueradeMark} == 0 return`);
    // Clear the mark so a packet that re-traverses the stack is not masqueraded twice.
    tx.addRule('masquerading', `mark set mark xor ${masqueradeMark}`);
    tx.addRule('masquerading', 'masquerade fully-random');
    return tx.rules - before;
  }
}

interface AffinityElements {
  timeout: number;
  entries: Element[];
  /** "ip . port" of the endpoints a client may stick to. */
  endpoints: Set<string>;
}

interface ServiceElements {
  affinity: AffinityElements | undefined;
  /** By store name (partial syncs only). */
  elements?: Map<string, Element[]>;
}

/** Everything one service port puts into the table's sets and maps, handed to put(store, element); returns its affinity part. */
function serviceElements(sp: ServicePort, node: NodeInfo, put: (store: string, e: Element) => void): AffinityElements | undefined {
  const plan = trafficPlan(sp);
  const proto = plan.protocol;
  const port = String(sp.port);
  const at = (ip: string): string[] => [ip, proto, port];
  const unusable = plan.hasEndpoints ? 'drop' : 'goto reject-chain';
  const clusterN = plan.clusterEndpoints.length;
  const localN = plan.localEndpoints.length;
  const group = (map: EndpointMap, prefix: string[], eps: Endpoint[]): void =>
    eps.forEach((ep, i) => put(map.name, { key: [...prefix, String(i)], value: `${ep.ip} . ${ep.port}` }));

  put('cluster-ips', { key: [sp.clusterIP] });
  if (plan.hasInternalEndpoints) {
    const map = plan.internalLocal ? endpointMaps.local : endpointMaps.cluster;
    const eps = plan.internalLocal ? plan.localEndpoints : plan.clusterEndpoints;
    put('service-ips', { key: at(sp.clusterIP), value: `goto ${map.pick}-${eps.length}` });
    group(map, at(sp.clusterIP), eps);
  } else {
    put('no-endpoint-services', { key: at(sp.clusterIP), value: unusable, comment: plan.name });
  }

  const external = externalChain(plan, 'external', clusterN, localN);
  const usesFirewall = sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
    if (plan.hasEndpoints && external) {
      put('service-ips', { key: at(ip), value: `goto ${external}` });
      group(endpointMaps.cluster, at(ip), plan.clusterEndpoints);
      if (plan.externalLocal) group(endpointMaps.local, at(ip), plan.localEndpoints);
    }
    if (!plan.hasExternalEndpoints) put('no-endpoint-services', { key: at(ip), value: unusable, comment: plan.name });
  }
  if (usesFirewall) {
    const sources = [...sp.loadBalancerSourceRanges];
    // A node reaching its own LB IP comes back with the LB IP as source.
    if (sp.loadBalancerSourceRanges.some((range) => node.ips.some((ip) => cidrContains(range, ip)))) sources.push(...sp.loadBalancerIPs);
    for (const ip of sp.loadBalancerIPs) {
      put('firewall-ips', { key: at(ip), comment: plan.name });
      for (const range of sources) put('firewall-allow', { key: [...at(ip), range] });
    }
  }
  if (sp.nodePort !== 0) {
    const key = [proto, String(sp.nodePort)];
    const chain = externalChain(plan, 'nodeport', clusterN, localN);
    if (plan.hasEndpoints && chain) {
      put('service-nodeports', { key, value: `goto ${chain}` });
      group(endpointMaps.nodeportCluster, key, plan.clusterEndpoints);
      if (plan.externalLocal) group(endpointMaps.nodeportLocal, key, plan.localEndpoints);
    }
    if (!plan.hasExternalEndpoints) put('no-endpoint-nodeports', { key, value: unusable, comment: plan.name });
  }
  for (const ep of plan.reachable) put('hairpin', { key: [ep.ip, ep.ip] });

  if (sp.sessionAffinity !== 'ClientIP') return undefined;
  const entries = [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs].map((ip) => ({ key: at(ip) }));
  if (sp.nodePort) for (const ip of node.ips) entries.push({ key: [ip, proto, String(sp.nodePort)] });
  return { timeout: sp.stickyMaxAgeSeconds, entries, endpoints: new Set(plan.reachable.map((ep) => `${ep.ip} . ${ep.port}`)) };
}

/** The shared chain external traffic (external/LB IPs, or node ports) enters, by traffic policy. */
function externalChain(plan: TrafficPlan, kind: 'external' | 'nodeport', clusterN: number, localN: number): string | undefined {
  if (plan.externalLocal) return clusterN > 0 || localN > 0 ? `${kind}-local-${clusterN}-${localN}` : undefined;
  return clusterN > 0 ? `${kind}-${clusterN}` : undefined;
}

function cidrContains(range: string, ip: string): boolean {
  const c = parseCidr(range);
  const n = parseIp(ip);
  return !!c && n !== undefined && contains(c, n);
}
