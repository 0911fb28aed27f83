// The reference layout of each proxy mode (../shared/reference/kube-proxy.md),
// checked against what a lab node's kernel really holds: chain names from the
// reference hash, jumps, DNAT targets, probabilities, maps and portals.
import type { ExecutionContext } from 'ava';
import { sha256Base32 } from '../../../src/agent/proxy/hash.js';
import { ruleTarget } from '../../../src/agent/proxy/iptables/save.js';
import type { Service } from '../../../src/api/types.js';
import { waitFor } from '../../helpers/lab.js';
import { dnatTargets, iptablesNames, iptablesTables, mapEndpoints, nftDnat, nftNames, nftTable, numgenTargets, onNode, rulesOf, targetsOf, type Mode, type NftExpr, type NftSet, type PortRef } from './rules.js';

export interface Fixture {
  lab: string;
  mode: Mode;
  nodes: string[];
  nodeIP: Map<string, string>;
  podIP: Map<string, string>;
  services: Map<string, Service>;
  agentPid(node: string): number | undefined;
}

const clusterCIDR = '10.244.0.0/16';

export function portRef(svc: Service, index = 0): PortRef {
  const p = svc.spec.ports![index]!;
  return { namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name!, portName: p.name ?? '', protocol: (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp', clusterIP: svc.spec.clusterIP!, port: p.port };
}

const lbIP = (svc: Service): string => svc.status!.loadBalancer!.ingress![0]!.ip!;

/** Endpoints "ip:port" of the given pods, in kube-proxy's order (sorted as strings). */
function endpoints(f: Fixture, pods: string[], port: number): string[] {
  return pods.map((p) => `${f.podIP.get(p)}:${port}`).sort();
}

export async function checkLayout(t: ExecutionContext, f: Fixture, webPods: string[], echoPods: string[]): Promise<void> {
  const checks: Record<Mode, () => Promise<void>> = {
    iptables: () => iptablesLayout(t, f, webPods, echoPods),
    nftables: () => nftablesLayout(t, f, webPods, echoPods),
    'nftables-maps': () => mapsLayout(t, f, webPods, echoPods),
    userspace: () => userspaceLayout(t, f),
    ipvs: () => ipvsLayout(t, f, webPods),
  };
  await checks[f.mode]();
}

async function iptablesLayout(t: ExecutionContext, f: Fixture, webPods: string[], echoPods: string[]): Promise<void> {
  t.is(sha256Base32('ns1/svc1:p80tcp').slice(0, 16), 'XPGD46QRK7WJZT7O', "the reference example of kube-proxy's hash");
  const tables = await iptablesTables(f.lab, 'node1');
  const nat = tables.get('nat');
  const filter = tables.get('filter');
  const jumps = (table: 'nat' | 'filter', chain: string, target: string, match = ''): void => {
    t.true(rulesOf(tables.get(table), chain).some((s) => ruleTarget(s) === target && s.includes(match)), `${table} ${chain} jumps to ${target}`);
  };
  jumps('nat', 'PREROUTING', 'KUBE-SERVICES');
  jumps('nat', 'OUTPUT', 'KUBE-SERVICES');
  jumps('nat', 'POSTROUTING', 'KUBE-POSTROUTING');
  for (const chain of ['INPUT', 'FORWARD']) jumps('filter', chain, 'KUBE-EXTERNAL-SERVICES', '--ctstate NEW');
  jumps('filter', 'INPUT', 'KUBE-NODEPORTS');
  for (const chain of ['FORWARD', 'OUTPUT']) jumps('filter', chain, 'KUBE-SERVICES', '--ctstate NEW');
  jumps('filter', 'FORWARD', 'KUBE-FORWARD');
  for (const chain of ['INPUT', 'OUTPUT', 'FORWARD']) jumps('filter', chain, 'KUBE-PROXY-FIREWALL', '--ctstate NEW');
  for (const table of ['mangle', 'nat', 'filter']) t.true(tables.get(table)?.chains.has('KUBE-PROXY-CANARY'), `canary in ${table}`);
  t.deepEqual(rulesOf(nat, 'KUBE-MARK-MASQ'), ['-j MARK --set-xmark 0x4000/0x4000']);
  const post = rulesOf(nat, 'KUBE-POSTROUTING');
  t.true(post[0]?.includes('-m mark ! --mark 0x4000/0x4000') && post[0].endsWith('-j RETURN'), post.join('\n'));
  t.true(post[1]?.endsWith('-j MARK --set-xmark 0x4000/0x0'), post.join('\n'));
  t.true(post[2]?.includes('-j MASQUERADE'), post.join('\n'));

  // The LoadBalancer service: cluster IP -> KUBE-SVC, LB IP and nodePort -> KUBE-EXT -> KUBE-SVC -> one KUBE-SEP per endpoint.
  const web = f.services.get('web')!;
  const p = portRef(web);
  const n = iptablesNames(p);
  const services = rulesOf(nat, 'KUBE-SERVICES');
  const dispatch = (ip: string, chain: string): boolean => services.some((s) => s.includes(`-d ${ip}/32`) && s.includes('-p tcp') && s.includes(`--dport ${p.port}`) && ruleTarget(s) === chain);
  t.true(dispatch(p.clusterIP, n.svc), `KUBE-SERVICES sends ${p.clusterIP}:${p.port} to ${n.svc}`);
  t.true(dispatch(lbIP(web), n.ext), `KUBE-SERVICES sends the LB IP to ${n.ext}`);
  t.true(services.at(-1)?.includes('-m addrtype --dst-type LOCAL') && ruleTarget(services.at(-1)!) === 'KUBE-NODEPORTS', 'the last rule of KUBE-SERVICES jumps to KUBE-NODEPORTS');
  t.true(rulesOf(nat, 'KUBE-NODEPORTS').some((s) => s.includes(`--dport ${web.spec.ports![0]!.nodePort}`) && ruleTarget(s) === n.ext));
  t.deepEqual(targetsOf(nat, n.ext), ['KUBE-MARK-MASQ', n.svc], 'external traffic is masqueraded (Cluster policy), then balanced');
  const eps = endpoints(f, webPods, 8080);
  const svc = rulesOf(nat, n.svc);
  t.true(svc[0]?.includes(`! -s ${clusterCIDR}`) && svc[0].includes(`-d ${p.clusterIP}/32`) && ruleTarget(svc[0]) === 'KUBE-MARK-MASQ', svc[0]);
  t.deepEqual(svc.slice(1).map(ruleTarget), eps.map(n.sep), 'one KUBE-SEP per endpoint, sorted, named by the reference hash');
  const probabilities = svc.slice(1).map((s) => /--probability (\S+)/.exec(s)?.[1]);
  eps.forEach((_, i) => {
    if (i === eps.length - 1) t.is(probabilities[i], undefined, 'the last endpoint takes the rest');
    else t.true(Math.abs(Number(probabilities[i]) - 1 / (eps.length - i)) < 1e-6, `endpoint ${i} has probability 1/${eps.length - i}, got ${probabilities[i]}`);
  });
  for (const ep of eps) {
    const sep = rulesOf(nat, n.sep(ep));
    t.is(sep.length, 2, sep.join('\n'));
    t.true(sep[0]!.includes(`-s ${ep.split(':')[0]}/32`) && ruleTarget(sep[0]!) === 'KUBE-MARK-MASQ', 'hairpin traffic is masqueraded');
    t.true(sep[1]!.includes('-p tcp') && sep[1]!.endsWith(`-j DNAT --to-destination ${ep}`), sep[1]);
  }

  // No endpoints: REJECT in filter, no nat chain.
  const empty = portRef(f.services.get('empty')!);
  t.true(rulesOf(filter, 'KUBE-SERVICES').some((s) => s.includes(`-d ${empty.clusterIP}/32`) && s.includes('"default/empty has no endpoints"') && s.endsWith('-j REJECT --reject-with icmp-port-unreachable')));
  t.false(nat?.chains.has(iptablesNames(empty).svc));

  // ClientIP affinity: one recent check per endpoint before the random rules; SEP chains record the client.
  const sticky = f.services.get('sticky')!;
  const timeout = sticky.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800;
  const sn = iptablesNames(portRef(sticky));
  const stickyRules = rulesOf(nat, sn.svc);
  eps.forEach((ep, i) => {
    const rule = stickyRules[1 + i] ?? '';
    t.true(rule.includes('-m recent --rcheck') && rule.includes(`--seconds ${timeout}`) && rule.includes('--reap') && rule.includes(`--name ${sn.sep(ep)}`) && ruleTarget(rule) === sn.sep(ep), rule);
    t.true(rulesOf(nat, sn.sep(ep)).some((s) => s.includes(`-m recent --set --name ${sn.sep(ep)}`) && s.includes(`--to-destination ${ep}`)));
  });

  // The same port on TCP and UDP: two service ports, each with its own chains.
  const echo = f.services.get('echo')!;
  for (const i of [0, 1]) {
    const ep = portRef(echo, i);
    const en = iptablesNames(ep);
    const targets = endpoints(f, echoPods, 7);
    t.deepEqual(targetsOf(nat, en.svc).slice(1), targets.map(en.sep), `${ep.protocol} chain`);
    for (const target of targets) t.true(rulesOf(nat, en.sep(target)).some((s) => s.includes(`-p ${ep.protocol}`) && s.endsWith(`--to-destination ${target}`)));
  }

  // externalTrafficPolicy Local: node1 sends external traffic to its local endpoint only; node3 (none) drops it.
  const local = f.services.get('web-local')!;
  const ln = iptablesNames(portRef(local));
  t.is(targetsOf(nat, ln.ext).at(-1), ln.svl);
  t.deepEqual(targetsOf(nat, ln.svl), [ln.sep(`${f.podIP.get('web1')}:8080`)]);
  const node3 = (await iptablesTables(f.lab, 'node3')).get('filter');
  t.true(rulesOf(node3, 'KUBE-EXTERNAL-SERVICES').some((s) => s.includes('"default/web-local has no local endpoints"') && s.includes(`--dport ${local.spec.ports![0]!.nodePort}`) && s.endsWith('-j DROP')));
}

/** A set's or map's elements: key parts and verdict target ("goto x" -> "x", drop -> "drop"). */
function elements(set: NftSet | undefined): { key: unknown[]; verdict?: string }[] {
  return (set?.elem ?? []).map((e) => {
    const [k, v] = Array.isArray(e) ? (e as NftExpr[]) : [e as NftExpr, undefined];
    const raw = k?.elem?.val ?? k;
    const key = raw?.concat ?? [raw];
    const verdict = v ? (v.goto?.target ?? v.jump?.target ?? Object.keys(v)[0]) : undefined;
    return { key, verdict };
  });
}

const verdictFor = (set: NftSet | undefined, key: unknown[]): string | undefined => elements(set).find((e) => JSON.stringify(e.key) === JSON.stringify(key))?.verdict;

async function nftablesLayout(t: ExecutionContext, f: Fixture, webPods: string[], echoPods: string[]): Promise<void> {
  t.is(sha256Base32('ns1/svc1/tcp/p80').slice(0, 8), 'ULMVA6XW', 'the reference example of a service chain hash');
  t.is(sha256Base32('ns1/svc1/tcp/p80__10.180.0.1/80').slice(0, 8), '5OJB2KTY', 'the reference example of an endpoint chain hash');
  const table = await nftTable(f.lab, 'node1');
  if (!table) return void t.fail('no table ip kube-proxy on node1');
  const base = [
    ['filter-prerouting', 'filter', 'prerouting', -110],
    ['filter-input', 'filter', 'input', -110],
    ['filter-forward', 'filter', 'forward', -110],
    ['filter-output', 'filter', 'output', -110],
    ['filter-output-post-dnat', 'filter', 'output', -90],
    ['nat-prerouting', 'nat', 'prerouting', -100],
    ['nat-output', 'nat', 'output', -100],
    ['nat-postrouting', 'nat', 'postrouting', 100],
  ] as const;
  for (const [name, type, hook, prio] of base) t.like(table.chains.get(name), { type, hook, prio }, name);
  const rules = (chain: string): string => JSON.stringify(table.rules.get(chain) ?? []);
  t.true(rules('services').includes('"@service-ips"'), 'one map lookup dispatches every service IP');
  t.true(rules('services').includes('"@service-nodeports"'));
  t.true(rules('nat-postrouting').includes('"masquerading"'));
  t.true(rules('masquerading').includes('"masquerade"') && rules('masquerading').includes('fully-random'));

  const web = f.services.get('web')!;
  const p = portRef(web);
  const n = nftNames(p);
  t.is(verdictFor(table.sets.get('service-ips'), [p.clusterIP, 'tcp', p.port]), n.service, 'service-ips sends the cluster IP to the service chain');
  t.is(verdictFor(table.sets.get('service-ips'), [lbIP(web), 'tcp', p.port]), n.external, 'and the LB IP to the external chain');
  t.is(verdictFor(table.sets.get('service-nodeports'), ['tcp', web.spec.ports![0]!.nodePort]), n.external);
  const chain = table.rules.get(n.service) ?? [];
  t.true(JSON.stringify(chain[0]).includes('"mark-for-masquerade"') && JSON.stringify(chain[0]).includes(clusterCIDR.split('/')[0]!), 'off-cluster sources are masqueraded');
  const eps = endpoints(f, webPods, 8080);
  const pick = numgenTargets(chain[1] ?? []);
  t.deepEqual(pick, { mod: eps.length, targets: eps.map((ep) => n.endpoint(ep.split(':')[0]!, 8080)) }, 'numgen random mod N picks one endpoint chain');
  for (const ep of eps) {
    const epRules: NftExpr[][] = table.rules.get(n.endpoint(ep.split(':')[0]!, 8080)) ?? [];
    t.true(JSON.stringify(epRules[0]).includes('"mark-for-masquerade"'), 'hairpin traffic is masqueraded');
    t.is(nftDnat(epRules.at(-1) ?? []), ep);
  }

  const empty = portRef(f.services.get('empty')!);
  t.is(verdictFor(table.sets.get('no-endpoint-services'), [empty.clusterIP, 'tcp', empty.port]), 'reject-chain');
  t.true(rules('reject-chain').includes('"reject"'));

  const sticky = f.services.get('sticky')!;
  const timeout = sticky.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800;
  const sn = nftNames(portRef(sticky));
  for (const ep of eps) {
    const [ip] = ep.split(':') as [string];
    t.is(table.sets.get(sn.affinity(ip, 8080))?.timeout, timeout, `affinity set of ${ep}`);
    // nft 1.0.6's JSON leaves the "dynamic" flag out; the text listing has it.
    t.regex(await onNode(f.lab, 'node1', ['nft', 'list', 'set', 'ip', 'kube-proxy', sn.affinity(ip, 8080)]), /flags dynamic,timeout/);
    t.true(rules(sn.service).includes(`"@${sn.affinity(ip, 8080)}"`));
    t.true(rules(sn.endpoint(ip, 8080)).includes(`"@${sn.affinity(ip, 8080)}"`), 'the endpoint chain records the client');
  }

  const echo = f.services.get('echo')!;
  for (const i of [0, 1]) {
    const ep = portRef(echo, i);
    t.is(verdictFor(table.sets.get('service-ips'), [ep.clusterIP, ep.protocol, 7]), nftNames(ep).service, `${ep.protocol} port`);
  }
  t.deepEqual(await dnatTargets(f.lab, 'nftables', 'node1', portRef(echo, 1)), endpoints(f, echoPods, 7));

  const local = f.services.get('web-local')!;
  t.is(await node3Verdict(f, 'kube-proxy', ['tcp', local.spec.ports![0]!.nodePort]), 'drop', 'a node without a local endpoint drops Local external traffic');
}

/** nftables-maps (svclab's own layout): services are elements; chains are shared per endpoint count. */
async function mapsLayout(t: ExecutionContext, f: Fixture, webPods: string[], echoPods: string[]): Promise<void> {
  const table = await nftTable(f.lab, 'node1', 'svclab-maps');
  if (!table) return void t.fail('no table ip svclab-maps on node1');
  const text = (chain: string): string => JSON.stringify(table.rules.get(chain) ?? []);
  t.true(text('nat-prerouting').includes('"services"') && text('nat-output').includes('"services"'));
  t.true(text('services').includes('"@service-ips"') && text('services').includes('"@service-nodeports"'), 'one lookup dispatches every service');
  t.false([...table.chains.keys()].some((c) => c.includes('/')), 'no per-service or per-endpoint chain');

  const web = f.services.get('web')!;
  const p = portRef(web);
  const eps = endpoints(f, webPods, 8080);
  const n = eps.length;
  t.is(verdictFor(table.sets.get('service-ips'), [p.clusterIP, 'tcp', p.port]), `endpoints-${n}`, 'the cluster IP goes to the chain shared by every 3-endpoint service');
  t.is(verdictFor(table.sets.get('service-ips'), [lbIP(web), 'tcp', p.port]), `external-${n}`, 'the LB IP masquerades first (Cluster policy)');
  t.is(verdictFor(table.sets.get('service-nodeports'), ['tcp', web.spec.ports![0]!.nodePort]), `nodeport-${n}`);
  t.deepEqual(mapEndpoints(table.sets.get('cluster-endpoints'), [p.clusterIP, 'tcp', p.port]), eps, 'one element per endpoint, by index');
  t.deepEqual(mapEndpoints(table.sets.get('nodeport-endpoints'), ['tcp', web.spec.ports![0]!.nodePort]), eps);
  const pick = text(`endpoints-${n}`);
  t.true(pick.includes('"numgen"') && pick.includes(`"mod":${n}`) && pick.includes('"@cluster-endpoints"'), pick);
  t.true(pick.includes('"@affinity"'), 'a recorded affinity is looked up first');
  t.deepEqual(JSON.parse(JSON.stringify(table.rules.get(`external-${n}`)?.map((r) => r.map((e) => e.jump?.target ?? e.goto?.target).filter(Boolean)))), [['mark-for-masquerade'], [`endpoints-${n}`]]);
  const hairpin = elements(table.sets.get('hairpin')).map((e) => JSON.stringify(e.key));
  for (const ep of eps) t.true(hairpin.includes(JSON.stringify([ep.split(':')[0], ep.split(':')[0]])), `hairpin pair of ${ep}`);

  const empty = portRef(f.services.get('empty')!);
  t.is(verdictFor(table.sets.get('no-endpoint-services'), [empty.clusterIP, 'tcp', empty.port]), 'reject-chain');

  const sticky = f.services.get('sticky')!;
  const timeout = sticky.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800;
  const sp = portRef(sticky);
  t.true(elements(table.sets.get(`affinity-${timeout}`)).some((e) => JSON.stringify(e.key) === JSON.stringify([sp.clusterIP, 'tcp', sp.port])), 'the sticky cluster IP is an affinity entry point');
  // nft 1.0.6 cannot print a map update in JSON ("stmt ops map have no json callback"): read the text.
  const post = await onNode(f.lab, 'node1', ['nft', 'list', 'chain', 'ip', 'svclab-maps', 'nat-postrouting']);
  t.regex(post, new RegExp(`@affinity-${timeout} update @affinity \\{ ct original ip saddr . ct original ip daddr . meta l4proto . ct original proto-dst timeout \\S+ : ip daddr . tcp dport \\}`), 'new connections record client -> endpoint');

  const echo = f.services.get('echo')!;
  for (const i of [0, 1]) {
    const ep = portRef(echo, i);
    t.deepEqual(mapEndpoints(table.sets.get('cluster-endpoints'), [ep.clusterIP, ep.protocol, 7]), endpoints(f, echoPods, 7), `${ep.protocol} port`);
  }

  const local = f.services.get('web-local')!;
  const np = local.spec.ports![0]!.nodePort!;
  t.is(verdictFor(table.sets.get('service-nodeports'), ['tcp', np]), `nodeport-local-${n}-1`, 'node1: all 3 for pods and itself, its 1 local endpoint for the rest');
  t.deepEqual(mapEndpoints(table.sets.get('nodeport-local-endpoints'), ['tcp', np]), [`${f.podIP.get('web1')}:8080`]);
  t.is(await node3Verdict(f, 'svclab-maps', ['tcp', np]), 'drop', 'a node without a local endpoint drops Local external traffic');
}

/** node3's no-endpoint-nodeports verdict for a node port, once node3 has synced it (it may still be catching up with earlier tests' changes). */
async function node3Verdict(f: Fixture, table: string, key: unknown[]): Promise<string | undefined> {
  const read = async (): Promise<string | undefined> => verdictFor((await nftTable(f.lab, 'node3', table))?.sets.get('no-endpoint-nodeports'), key);
  return waitFor('node3 to program the node port', read, 10_000, 200).catch(read);
}

async function userspaceLayout(t: ExecutionContext, f: Fixture): Promise<void> {
  const nat = (await iptablesTables(f.lab, 'node1')).get('nat');
  const jumps = (chain: string): string[] => rulesOf(nat, chain);
  t.true(jumps('PREROUTING').includes('-j KUBE-PORTALS-CONTAINER'));
  t.true(jumps('PREROUTING').includes('-m addrtype --dst-type LOCAL -j KUBE-NODEPORT-CONTAINER'));
  t.true(jumps('OUTPUT').includes('-j KUBE-PORTALS-HOST'));
  t.true(jumps('OUTPUT').includes('-m addrtype --dst-type LOCAL -j KUBE-NODEPORT-HOST'));
  const node1 = f.nodeIP.get('node1')!;
  /** The proxy port a portal rule sends ip:port to. */
  const portal = (chain: string, match: string[]): number | undefined => {
    const rule = rulesOf(nat, chain).find((s) => match.every((m) => s.includes(m)));
    return Number(new RegExp(`-j DNAT --to-destination ${node1.replaceAll('.', '\\.')}:(\\d+)$`).exec(rule ?? '')?.[1]) || undefined;
  };
  const web = f.services.get('web')!;
  const p = portRef(web);
  const cluster = [`-d ${p.clusterIP}/32`, '-p tcp', `--dport ${p.port}`];
  const proxyPort = portal('KUBE-PORTALS-CONTAINER', cluster);
  t.truthy(proxyPort, 'the cluster IP is DNATed to a proxy port on the node');
  t.is(portal('KUBE-PORTALS-HOST', cluster), proxyPort);
  t.is(portal('KUBE-PORTALS-CONTAINER', [`-d ${lbIP(web)}/32`, `--dport ${p.port}`]), proxyPort);
  t.is(portal('KUBE-NODEPORT-CONTAINER', [`--dport ${web.spec.ports![0]!.nodePort}`]), proxyPort);
  t.is(portal('KUBE-NODEPORT-HOST', [`--dport ${web.spec.ports![0]!.nodePort}`]), proxyPort);
  const listening = await onNode(f.lab, 'node1', ['ss', '-Hltnp', `sport = :${proxyPort}`]);
  t.true(listening.includes(`pid=${f.agentPid('node1')},`), `the node's agent listens on the proxy port: ${listening}`);

  const echo = f.services.get('echo')!;
  const [tcp, udp] = [portRef(echo, 0), portRef(echo, 1)] as const;
  const udpPort = portal('KUBE-PORTALS-CONTAINER', [`-d ${udp.clusterIP}/32`, '-p udp', `--dport ${udp.port}`]);
  const tcpPort = portal('KUBE-PORTALS-CONTAINER', [`-d ${tcp.clusterIP}/32`, '-p tcp', `--dport ${tcp.port}`]);
  t.truthy(udpPort);
  t.not(udpPort, tcpPort, 'TCP and UDP of one port are two proxy sockets');
  t.true((await onNode(f.lab, 'node1', ['ss', '-Hlunp', `sport = :${udpPort}`])).includes(`pid=${f.agentPid('node1')},`));

  const empty = portRef(f.services.get('empty')!);
  t.false(rulesOf(nat, 'KUBE-PORTALS-CONTAINER').some((s) => s.includes(`-d ${empty.clusterIP}/32`)), 'no portal for a service without endpoints');
}

async function ipvsLayout(t: ExecutionContext, f: Fixture, webPods: string[]): Promise<void> {
  const p = portRef(f.services.get('web')!);
  t.deepEqual(await dnatTargets(f.lab, 'ipvs', 'node1', p), endpoints(f, webPods, 8080), 'one real server per endpoint, masq');
  t.regex(await onNode(f.lab, 'node1', ['ipvsadm', '-Ln', '-t', `${p.clusterIP}:${p.port}`]), new RegExp(`TCP\\s+${p.clusterIP.replaceAll('.', '\\.')}:${p.port} rr`));
  t.true((await onNode(f.lab, 'node1', ['ip', '-o', 'addr', 'show', 'dev', 'kube-ipvs0'])).includes(`${p.clusterIP}/32`), 'service IPs are bound to kube-ipvs0');
}

/** What is left of per-service state on a node once every service is gone (empty = only the base chains). */
export async function serviceLeftovers(f: Fixture, node: string): Promise<string[]> {
  switch (f.mode) {
    case 'iptables': {
      const tables = await iptablesTables(f.lab, node);
      const out: string[] = [];
      const builtin = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);
      const base: Record<string, string[]> = {
        nat: ['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-PROXY-CANARY', 'KUBE-SERVICES'],
        filter: ['KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-CANARY', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES'],
      };
      for (const [name, chains] of Object.entries(base)) {
        const table = tables.get(name);
        for (const c of table?.chains ?? []) if (!builtin.has(c) && !chains.includes(c)) out.push(`${name} chain ${c}`);
        for (const c of chains) if (!table?.chains.has(c)) out.push(`${name} base chain ${c} missing`);
        for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS']) {
          for (const s of rulesOf(table, chain)) if (ruleTarget(s) !== 'KUBE-NODEPORTS') out.push(`${name} ${chain} ${s}`);
        }
      }
      return out;
    }
    case 'nftables': {
      const table = await nftTable(f.lab, node);
      if (!table) return ['table ip kube-proxy missing'];
      const out = [...table.chains.keys()].filter((c) => c.includes('/')).map((c) => `chain ${c}`);
      for (const [name, set] of table.sets) {
        if (name.startsWith('affinity-')) out.push(`set ${name}`);
        else if (name !== 'nodeport-ips' && set.elem.length) out.push(`${name}: ${JSON.stringify(set.elem)}`);
      }
      return out;
    }
    case 'nftables-maps': {
      const table = await nftTable(f.lab, node, 'svclab-maps');
      if (!table) return ['table ip svclab-maps missing'];
      const fixed = ['services', 'firewall-check', 'service-endpoints-check', 'nodeport-endpoints-check', 'cluster-ips-check', 'reject-chain', 'mark-for-masquerade', 'masquerading'];
      const out = [...table.chains.keys()].filter((c) => !c.startsWith('filter-') && !c.startsWith('nat-') && !fixed.includes(c)).map((c) => `chain ${c}`);
      for (const [name, set] of table.sets) {
        if (name.startsWith('affinity-')) out.push(`set ${name}`);
        else if (name !== 'nodeport-ips' && name !== 'affinity' && set.elem.length) out.push(`${name}: ${JSON.stringify(set.elem)}`);
      }
      return out;
    }
    case 'userspace': {
      const nat = (await iptablesTables(f.lab, node)).get('nat');
      return ['KUBE-PORTALS-CONTAINER', 'KUBE-PORTALS-HOST', 'KUBE-NODEPORT-CONTAINER', 'KUBE-NODEPORT-HOST'].flatMap((c) => (nat?.chains.has(c) ? rulesOf(nat, c) : [`${c} missing`]));
    }
    case 'ipvs': {
      const out = await onNode(f.lab, node, ['ipvsadm', '-Ln']);
      return out.split('\n').filter((l) => /^(TCP|UDP)\s/.test(l));
    }
  }
}
