// The nft transaction kube-proxy's nftables proxier sends for one sync
// (pkg/proxy/nftables/proxier.go): full syncs (re)create the table's base
// chains, maps and dispatch rules and refill the maps; every sync rewrites the
// chains of changed services, sends only map elements that differ from what
// the kernel holds, and flushes chains no longer used (deleted a little later,
// as upstream does for kernels before 6.2).
import { contains, parseCidr, parseIp } from '../../../net/cidr.js';
import { serviceKey, type Endpoint, type NodeInfo, type ServicePort, type SyncRequest } from '../model.js';
import { endpointString, isProxied, trafficPlan } from '../traffic-policy.js';
import { OwnedElements } from './owned-elements.js';
import { addBaseChains } from './tables.js';
import { endpointNames, serviceChainNames, type EndpointNames } from './names.js';
import { Transaction, type Element } from './transaction.js';

export const masqueradeMark = '0x4000';
export const canarySet = 'nodeport-ips';
// Numeric priorities: nft before 1.0.7 accepts "dstnat" only on the prerouting hook.
const dstnat = -100;
const srcnat = 100;

export const baseChains = [
  { name: 'filter-prerouting', type: 'filter', hook: 'prerouting', priority: dstnat - 10 },
  { name: 'filter-input', type: 'filter', hook: 'input', priority: dstnat - 10 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: dstnat - 10 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: dstnat - 10 },
  { name: 'filter-output-post-dnat', type: 'filter', hook: 'output', priority: dstnat + 10 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: dstnat },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: dstnat },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: srcnat },
];

const jumps = [
  { to: 'nodeport-endpoints-check', from: 'filter-input', match: 'ct state new' },
  { to: 'service-endpoints-check', from: 'filter-input', match: 'ct state new' },
  { to: 'service-endpoints-check', from: 'filter-forward', match: 'ct state new' },
  { to: 'service-endpoints-check', from: 'filter-output', match: 'ct state new' },
  { to: 'firewall-check', from: 'filter-prerouting', match: 'ct state new' },
  { to: 'firewall-check', from: 'filter-output', match: 'ct state new' },
  { to: 'services', from: 'nat-output', match: '' },
  { to: 'services', from: 'nat-prerouting', match: '' },
  { to: 'masquerading', from: 'nat-postrouting', match: '' },
  { to: 'cluster-ips-check', from: 'filter-forward', match: 'ct state new' },
  { to: 'cluster-ips-check', from: 'filter-output-post-dnat', match: 'ct state new' },
];

const addrServiceType = 'ipv4_addr . inet_proto . inet_service : verdict';
const portServiceType = 'inet_proto . inet_service : verdict';

export interface BuildOptions {
  /** Rewrite everything (table setup, every service, every element). */
  full: boolean;
  now: number;
  /** How long a flushed chain waits before it is deleted (upstream: 1 s; 0 deletes in the same transaction). */
  staleChainDelayMs: number;
  /** On full syncs: per-service chains and affinity sets (name -> timeout in seconds) the kernel holds. */
  existingChains?: string[];
  existingSets?: Map<string, number>;
}

export interface Built {
  text: string;
  written: number;
  total: number;
}

/** What one service port holds in the table. */
interface Owned {
  chains: Set<string>;
  /** Affinity sets and their timeout in seconds. */
  sets: Map<string, number>;
  rules: number;
}

/** Our view of the table, kept between syncs so a partial sync costs what changed, not what exists. */
export class NftablesRules {
  private readonly clusterIPs = new OwnedElements('set', 'cluster-ips');
  private readonly serviceIPs = new OwnedElements('map', 'service-ips');
  private readonly serviceNodePorts = new OwnedElements('map', 'service-nodeports');
  private readonly noEndpointServices = new OwnedElements('map', 'no-endpoint-services');
  private readonly noEndpointNodePorts = new OwnedElements('map', 'no-endpoint-nodeports');
  private readonly firewallIPs = new OwnedElements('map', 'firewall-ips');
  private readonly stores = [this.clusterIPs, this.serviceIPs, this.serviceNodePorts, this.noEndpointServices, this.noEndpointNodePorts, this.firewallIPs];
  /** Per service port (serviceKey): its chains, affinity sets and rule count. */
  private owned = new Map<string, Owned>();
  /** Flushed, unreferenced chains and since when. */
  private readonly staleChains = new Map<string, number>();
  private baseRules = 0;
  private serviceRulesTotal = 0;

  build(req: SyncRequest, opts: BuildOptions): Built {
    const tx = new Transaction();
    const flushed: string[] = [];
    const deletedSets: string[] = [];
    let before = this.owned;
    if (opts.full) {
      this.baseRules = this.setup(tx, req.node);
      // Compare with what the kernel holds: an earlier run's chains and sets are leftovers unless claimed again.
      const kernel: Owned = { chains: new Set(opts.existingChains ?? []), sets: new Map(opts.existingSets ?? []), rules: 0 };
      before = new Map([['', kernel]]);
      for (const chain of this.staleChains.keys()) if (!kernel.chains.has(chain)) this.staleChains.delete(chain);
      this.owned = new Map();
      this.serviceRulesTotal = 0;
    }
    const byKey = req.byKey ?? new Map(req.services.map((sp) => [serviceKey(sp), sp]));
    const keys = (opts.full || !req.changed ? [...byKey.keys()] : [...req.changed]).sort();
    const wanted = new Map<string, Map<string, Element[]>>();
    const allSets = new Map<string, number>();
    for (const o of before.values()) for (const [set, timeout] of o.sets) allSets.set(set, timeout);
    // What the changed services (or, on a full sync, the kernel) held before this sync.
    const olds: Owned[] = opts.full ? [...before.values()] : keys.flatMap((k) => this.owned.get(k) ?? []);
    for (const key of keys) {
      const sp = byKey.get(key);
      const elements = new Map<string, Element[]>();
      wanted.set(key, elements);
      const old = opts.full ? undefined : this.owned.get(key);
      this.serviceRulesTotal -= old?.rules ?? 0;
      if (!sp || !isProxied(sp)) {
        this.owned.delete(key);
        continue;
      }
      const put = (store: string, e: Element): void => void (elements.get(store)?.push(e) ?? elements.set(store, [e]));
      const now = this.service(tx, sp, req.node, put, allSets);
      this.owned.set(key, now);
      this.serviceRulesTotal += now.rules;
    }

    // Elements: released first, so one moving between services (a reused cluster IP) is re-added, not lost.
    if (opts.full) for (const store of this.stores) store.reset(tx);
    else for (const store of this.stores) for (const [key, el] of wanted) store.release(tx, key, el.get(store.name));
    for (const store of this.stores) for (const [key, el] of wanted) store.claim(tx, key, el.get(store.name) ?? []);

    // Chains and sets they held and no longer use.
    // Chain and set names are per service port, so only the services just written can hold them again.
    const usedChains = new Set<string>();
    const usedSets = new Set<string>();
    for (const k of keys) {
      for (const c of this.owned.get(k)?.chains ?? []) usedChains.add(c);
      for (const set of this.owned.get(k)?.sets.keys() ?? []) usedSets.add(set);
    }
    const inUse = (chain: string): boolean => usedChains.has(chain);
    const setInUse = (set: string): boolean => usedSets.has(set);
    for (const chain of usedChains) this.staleChains.delete(chain);
    for (const o of olds) {
      for (const chain of o.chains) {
        if (this.staleChains.has(chain) || inUse(chain)) continue;
        tx.flushChain(chain);
        flushed.push(chain);
        this.staleChains.set(chain, opts.now);
      }
      for (const set of o.sets.keys()) if (!setInUse(set) && !deletedSets.includes(set)) deletedSets.push(set);
    }
    // Flushed chains are deleted once they have been unreferenced long enough (upstream: 1 s, for kernels before 6.2).
    for (const [chain, since] of this.staleChains) {
      if (opts.now - since >= opts.staleChainDelayMs) {
        tx.deleteChain(chain);
        this.staleChains.delete(chain);
      }
    }
    for (const set of deletedSets) tx.deleteSet('set', set);

    let total = this.baseRules + this.serviceRulesTotal;
    for (const store of this.stores) total += store.size;
    return { text: tx.text(), written: tx.written, total };
  }

  /** Forget everything: the next build must be a full one. */
  reset(): void {
    this.owned.clear();
    this.staleChains.clear();
    this.serviceRulesTotal = 0;
  }

  /** Table, base chains, dispatch maps and fixed rules; returns the number of rules. */
  private setup(tx: Transaction, node: NodeInfo): number {
    const before = tx.rules;
    tx.addTable('rules for kube-proxy');
    addBaseChains(tx, baseChains);
    const created = new Set<string>();
    const ensure = (chain: string): void => {
      if (created.has(chain)) return;
      created.add(chain);
      tx.addChain(chain);
      tx.flushChain(chain);
    };
    for (const j of jumps) {
      ensure(j.to);
      tx.addRule(j.from, `${j.match ? `${j.match} ` : ''}jump ${j.to}`);
    }
    for (const c of ['services', 'cluster-ips-check', 'masquerading', 'mark-for-masquerade']) ensure(c);

    tx.addRule('mark-for-masquerade', `mark set mark or ${masqueradeMark}`);
    tx.addRule('masquerading', `mark and ${masqueradeMark} == 0 return`);
    // Clear the mark so a packet that re-traverses the stack is not masqueraded twice.
    tx.addRule('masquerading', `mark set mark xor ${masqueradeMark}`);
    tx.addRule('masquerading', 'masquerade fully-random');

    tx.addSet('set', 'cluster-ips', 'ipv4_addr', { comment: 'Active ClusterIPs' });
    tx.addRule('cluster-ips-check', 'ip daddr @cluster-ips reject', 'Reject traffic to invalid ports of ClusterIPs');

    // NodePorts answer on the node's own addresses; with none known, on every local address but 127/8.
    const nodeIPs = node.ips.filter((ip) => !ip.startsWith('127.'));
    const nodePortDst = nodeIPs.length ? 'ip daddr @nodeport-ips' : 'fib daddr type local ip daddr != 127.0.0.0/8';
    // Kept even when empty: it is also the canary (tampered()), one small set nft can list on its own.
    tx.addSet('set', canarySet, 'ipv4_addr', { comment: 'IPs that accept NodePort traffic' });
    tx.flushSet('set', canarySet);
    for (const ip of nodeIPs) tx.addElement(canarySet, { key: [ip] });

    tx.addSet('map', 'no-endpoint-services', addrServiceType, { comment: 'vmap to drop or reject packets to services with no endpoints' });
    tx.addSet('map', 'no-endpoint-nodeports', portServiceType, { comment: 'vmap to drop or reject packets to service nodeports with no endpoints' });
    tx.addChain('reject-chain', undefined, 'helper for @no-endpoint-services / @no-endpoint-nodeports');
    tx.flushChain('reject-chain');
    tx.addRule('reject-chain', 'reject');
    tx.addRule('service-endpoints-check', 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
    tx.addRule('nodeport-endpoints-check', `${nodePortDst} meta l4proto . th dport vmap @no-endpoint-nodeports`);

    tx.addSet('map', 'firewall-ips', addrServiceType, { comment: 'destinations that are subject to LoadBalancerSourceRanges' });
    tx.addRule('firewall-check', 'ip daddr . meta l4proto . th dport vmap @firewall-ips');

    tx.addSet('map', 'service-ips', addrServiceType, { comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' });
    tx.addSet('map', 'service-nodeports', portServiceType, { comment: 'NodePort traffic' });
    tx.addRule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips');
    tx.addRule('services', `${nodePortDst} meta l4proto . th dport vmap @service-nodeports`);

    for (const store of this.stores) store.reset(tx);
    return tx.rules - before;
  }

  /** One service port: its chains and rules written to tx, its elements handed to put(); returns what it now holds. */
  private service(tx: Transaction, sp: ServicePort, node: NodeInfo, put: (store: string, e: Element) => void, previousSets: Map<string, number>): Owned {
    const plan = trafficPlan(sp);
    const proto = plan.protocol;
    const names = serviceChainNames(sp.namespace, sp.name, proto, sp.portName);
    const endpoint = (ep: Endpoint): EndpointNames => endpointNames(sp.namespace, sp.name, proto, sp.portName, ep.ip, ep.port);
    const affinity = sp.sessionAffinity === 'ClientIP';
    const chains = new Set<string>();
    const sets = new Map<string, number>();
    const ensure = (chain: string): void => {
      if (chains.has(chain)) return;
      chains.add(chain);
      tx.addChain(chain);
      tx.flushChain(chain);
    };

    for (const ep of plan.reachable) {
      ensure(endpoint(ep).chain);
      if (affinity) sets.set(endpoint(ep).affinitySet, sp.stickyMaxAgeSeconds);
    }
    if (plan.usesClusterChain) ensure(names.cluster);
    if (plan.usesLocalChain) ensure(names.local);
    if (plan.usesExternalChain) ensure(names.external);
    const internalChain = plan.internalLocal ? names.local : names.cluster;
    const externalPolicyChain = plan.externalLocal ? names.local : names.cluster;
    const usesFirewall = sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
    if (usesFirewall) ensure(names.firewall);

    // No endpoints at all: reject; no local ones for a Local policy: drop.
    const unusable = plan.hasEndpoints ? 'drop' : 'goto reject-chain';
    const name = plan.name;
    const at = (ip: string): string[] => [ip, proto, String(sp.port)];
    put('cluster-ips', { key: [sp.clusterIP] });
    if (plan.hasInternalEndpoints) put('service-ips', { key: at(sp.clusterIP), value: `goto ${internalChain}` });
    else put('no-endpoint-services', { key: at(sp.clusterIP), value: unusable, comment: name });
    for (const ip of sp.externalIPs) {
      if (plan.hasEndpoints) put('service-ips', { key: at(ip), value: `goto ${names.external}` });
      if (!plan.hasExternalEndpoints) put('no-endpoint-services', { key: at(ip), value: unusable, comment: name });
    }
    for (const ip of sp.loadBalancerIPs) {
      if (plan.hasEndpoints) put('service-ips', { key: at(ip), value: `goto ${names.external}` });
      if (usesFirewall) put('firewall-ips', { key: at(ip), value: `goto ${names.firewall}`, comment: name });
      if (!plan.hasExternalEndpoints) put('no-endpoint-services', { key: at(ip), value: unusable, comment: name });
    }
    if (sp.nodePort !== 0) {
      const key = [proto, String(sp.nodePort)];
      if (plan.hasEndpoints) put('service-nodeports', { key, value: `goto ${names.external}` });
      if (!plan.hasExternalEndpoints) put('no-endpoint-nodeports', { key, value: unusable, comment: name });
    }
    const before = tx.rules;
    // Masquerade off-cluster traffic to the cluster IP: it may be bridged in from another node.
    if (plan.hasInternalEndpoints && node.clusterCIDR) {
      tx.addRule(internalChain, `ip daddr ${sp.clusterIP} ${proto} dport ${sp.port} ip saddr != ${node.clusterCIDR} jump mark-for-masquerade`);
    }
    if (plan.usesExternalChain) {
      if (!plan.externalLocal) {
        tx.addRule(names.external, 'jump mark-for-masquerade');
      } else {
        // Pods and the node itself reach external IPs through any endpoint, as if via a load balancer and back.
        if (node.clusterCIDR) tx.addRule(names.external, `ip saddr ${node.clusterCIDR} goto ${names.cluster}`, 'short-circuit pod traffic');
        tx.addRule(names.external, 'fib saddr type local jump mark-for-masquerade', 'masquerade local traffic');
        tx.addRule(names.external, `fib saddr type local goto ${names.cluster}`, 'short-circuit local traffic');
      }
      if (plan.hasExternalEndpoints) tx.addRule(names.external, `goto ${externalPolicyChain}`);
    }
    if (usesFirewall) {
      const sources = [...sp.loadBalancerSourceRanges];
      // A node reaching its own VIP-like LB IP comes back with the LB IP as source.
      if (sp.loadBalancerSourceRanges.some((range) => node.ips.some((ip) => cidrContains(range, ip)))) sources.push(...sp.loadBalancerIPs);
      tx.addRule(names.firewall, `ip saddr != { ${sources.join(', ')} } drop`);
    }
    if (affinity) {
      for (const ep of plan.reachable) {
        const set = endpoint(ep).affinitySet;
        const old = previousSets.get(set);
        // A set's timeout cannot change in place; its chains are flushed above, so it can be recreated.
        if (old !== undefined && old !== sp.stickyMaxAgeSeconds) tx.deleteSet('set', set);
        tx.addSet('set', set, 'ipv4_addr', { flags: 'dynamic,timeout', timeoutSeconds: sp.stickyMaxAgeSeconds });
      }
    }
    if (plan.usesClusterChain) this.endpointRules(tx, names.cluster, plan.clusterEndpoints, affinity, endpoint);
    if (plan.usesLocalChain) this.endpointRules(tx, names.local, plan.localEndpoints, affinity, endpoint);
    for (const ep of plan.reachable) {
      const { chain, affinitySet } = endpoint(ep);
      // Hairpin: an endpoint reaching itself through the service must be masqueraded.
      tx.addRule(chain, `ip saddr ${ep.ip} jump mark-for-masquerade`);
      if (affinity) tx.addRule(chain, `update @${affinitySet} { ip saddr }`);
      tx.addRule(chain, `meta l4proto ${proto} dnat to ${endpointString(ep)}`);
    }
    return { chains, sets, rules: tx.rules - before };
  }

  private endpointRules(
    tx: Transaction,
    chain: string,
    endpoints: Endpoint[],
    affinity: boolean,
    names: (ep: Endpoint) => EndpointNames,
  ): void {
    if (affinity) for (const ep of endpoints) tx.addRule(chain, `ip saddr @${names(ep).affinitySet} goto ${names(ep).chain}`);
    const vmap = endpoints.map((ep, i) => `${i} : goto ${names(ep).chain}`).join(' , ');
    tx.addRule(chain, `numgen random mod ${endpoints.length} vmap { ${vmap} }`);
  }
}

function cidrContains(range: string, ip: string): boolean {
  const c = parseCidr(range);
  const n = parseIp(ip);
  return !!c && n !== undefined && contains(c, n);
}
