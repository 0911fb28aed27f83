import test from 'ava';
import { jumpRules, renderIptables, type CachedService, type RenderRequest } from '../../../../src/agent/proxy/iptables/render.js';
import { serviceKey } from '../../../../src/agent/proxy/model.js';
import { endpoint, manyServices, node, servicePort } from './fixtures.js';

function render(over: Partial<RenderRequest>) {
  return renderIptables({ node, services: [], existingChains: [], ...over });
}

/** The lines of one table section of a restore input. */
function section(text: string, table: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`*${table}`);
  return start < 0 ? [] : lines.slice(start + 1, lines.indexOf('COMMIT', start));
}

const rulesOf = (lines: string[], chain: string): string[] => lines.filter((l) => l.startsWith(`-A ${chain} `));

const threeEndpoints = servicePort({ endpoints: [endpoint('10.244.3.7'), endpoint('10.244.1.5'), endpoint('10.244.2.6')] });

test('one service with three endpoints is written in kube-proxy rule order', (t) => {
  const nat = section(render({ services: [threeEndpoints] }).text, 'nat');
  t.deepEqual(nat, [
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-NODEPORTS - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    ':KUBE-SVC-XPGD46QRK7WJZT7O - [0:0]',
    ':KUBE-SEP-5Z6DJKI3TWZCT2OO - [0:0]',
    ':KUBE-SEP-4ZQEDWGFPW2HFEGJ - [0:0]',
    ':KUBE-SEP-O67GYEJ2CICX3RL5 - [0:0]',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
    '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.96.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.96.0.41 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.1.5:80" -m statistic --mode random --probability 0.3333333333 -j KUBE-SEP-5Z6DJKI3TWZCT2OO',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.2.6:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-4ZQEDWGFPW2HFEGJ',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.3.7:80" -j KUBE-SEP-O67GYEJ2CICX3RL5',
    '-A KUBE-SEP-5Z6DJKI3TWZCT2OO -m comment --comment ns1/svc1:p80 -s 10.244.1.5 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-5Z6DJKI3TWZCT2OO -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:80',
    '-A KUBE-SEP-4ZQEDWGFPW2HFEGJ -m comment --comment ns1/svc1:p80 -s 10.244.2.6 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-4ZQEDWGFPW2HFEGJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.244.2.6:80',
    '-A KUBE-SEP-O67GYEJ2CICX3RL5 -m comment --comment ns1/svc1:p80 -s 10.244.3.7 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-O67GYEJ2CICX3RL5 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.244.3.7:80',
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  ]);
  const filter = section(render({ services: [threeEndpoints] }).text, 'filter');
  t.deepEqual(rulesOf(filter, 'KUBE-FORWARD').length, 3);
  t.deepEqual(rulesOf(filter, 'KUBE-SERVICES'), []);
});

test('nat rule counts match the reference: 1x1 = 10, 1x10 = 37, 10x10 = 325', (t) => {
  t.is(render({ services: manyServices(1, 1) }).natRules, 10);
  t.is(render({ services: manyServices(1, 10) }).natRules, 37);
  t.is(render({ services: manyServices(10, 10) }).natRules, 325);
  // A partial sync writes less but still counts every rule the kernel holds.
  const partial = render({ services: manyServices(10, 10), rewrite: new Set(['ns1/svc3:p80/TCP']) });
  t.is(partial.natRules, 325);
  t.is(rulesOf(section(partial.text, 'nat'), 'KUBE-SVC-').length, 0);
  t.true(partial.written < 325);
});

test('ClientIP affinity checks the recent list of every endpoint before balancing and sets it in the endpoint chain', (t) => {
  const sp = servicePort({ sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 600, endpoints: [endpoint('10.244.1.5'), endpoint('10.244.2.6')] });
  const nat = section(render({ services: [sp] }).text, 'nat');
  const svc = rulesOf(nat, 'KUBE-SVC-XPGD46QRK7WJZT7O');
  t.deepEqual(svc.slice(1), [
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.1.5:80" -m recent --name KUBE-SEP-5Z6DJKI3TWZCT2OO --rcheck --seconds 600 --reap -j KUBE-SEP-5Z6DJKI3TWZCT2OO',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.2.6:80" -m recent --name KUBE-SEP-4ZQEDWGFPW2HFEGJ --rcheck --seconds 600 --reap -j KUBE-SEP-4ZQEDWGFPW2HFEGJ',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.1.5:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-5Z6DJKI3TWZCT2OO',
    '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.2.6:80" -j KUBE-SEP-4ZQEDWGFPW2HFEGJ',
  ]);
  t.deepEqual(rulesOf(nat, 'KUBE-SEP-5Z6DJKI3TWZCT2OO'), [
    '-A KUBE-SEP-5Z6DJKI3TWZCT2OO -m comment --comment ns1/svc1:p80 -s 10.244.1.5 -j KUBE-MARK-MASQ',
    '-A KUBE-SEP-5Z6DJKI3TWZCT2OO -m comment --comment ns1/svc1:p80 -m recent --name KUBE-SEP-5Z6DJKI3TWZCT2OO --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.5:80',
  ]);
});

test('a service without endpoints gets no nat chains, only a REJECT in filter KUBE-SERVICES and KUBE-EXTERNAL-SERVICES', (t) => {
  const sp = servicePort({ name: 'svc6', clusterIP: '10.96.0.46', nodePort: 30006, externalIPs: ['192.168.99.6'] });
  const r = render({ services: [sp] });
  const filter = section(r.text, 'filter');
  t.deepEqual(rulesOf(filter, 'KUBE-SERVICES'), ['-A KUBE-SERVICES -m comment --comment "ns1/svc6:p80 has no endpoints" -m tcp -p tcp -d 10.96.0.46 --dport 80 -j REJECT']);
  t.deepEqual(rulesOf(filter, 'KUBE-EXTERNAL-SERVICES'), [
    '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc6:p80 has no endpoints" -m tcp -p tcp -d 192.168.99.6 --dport 80 -j REJECT',
    '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc6:p80 has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30006 -j REJECT',
  ]);
  t.deepEqual([...r.chains.values()].flat(), []);
  t.is(r.natRules, 5);
});

test('unready endpoints are skipped, and serving terminating ones are used only when none is ready', (t) => {
  const mixed = servicePort({ endpoints: [endpoint('10.244.1.5', { ready: false, serving: false }), endpoint('10.244.1.6'), endpoint('10.244.1.7', { ready: false, terminating: true })] });
  t.deepEqual([...render({ services: [mixed] }).endpointChains.values()].map((e) => e.endpoint), ['10.244.1.6:80']);
  const terminating = servicePort({ endpoints: [endpoint('10.244.1.5', { ready: false, serving: false }), endpoint('10.244.1.7', { ready: false, terminating: true })] });
  t.deepEqual([...render({ services: [terminating] }).endpointChains.values()].map((e) => e.endpoint), ['10.244.1.7:80']);
});

test('externalTrafficPolicy Local sends outside traffic only to local endpoints and short-circuits pods and the node', (t) => {
  const sp = servicePort({ nodePort: 30001, externalPolicyLocal: true, endpoints: [endpoint('10.244.1.5', { local: true }), endpoint('10.244.2.6')] });
  const nat = section(render({ services: [sp] }).text, 'nat');
  t.deepEqual(rulesOf(nat, 'KUBE-NODEPORTS'), ['-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 30001 -j KUBE-EXT-XPGD46QRK7WJZT7O']);
  t.deepEqual(rulesOf(nat, 'KUBE-EXT-XPGD46QRK7WJZT7O'), [
    '-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "pod traffic for ns1/svc1:p80 external destinations" -s 10.244.0.0/16 -j KUBE-SVC-XPGD46QRK7WJZT7O',
    '-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "masquerade LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
    '-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "route LOCAL traffic for ns1/svc1:p80 external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-XPGD46QRK7WJZT7O',
    '-A KUBE-EXT-XPGD46QRK7WJZT7O -j KUBE-SVL-XPGD46QRK7WJZT7O',
  ]);
  t.deepEqual(rulesOf(nat, 'KUBE-SVL-XPGD46QRK7WJZT7O'), ['-A KUBE-SVL-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 -> 10.244.1.5:80" -j KUBE-SEP-5Z6DJKI3TWZCT2OO']);
  t.is(rulesOf(nat, 'KUBE-SVC-XPGD46QRK7WJZT7O').length, 3);

  // Without a local endpoint the node drops outside traffic, but pods and the node still reach the service.
  const remote = servicePort({ nodePort: 30001, externalPolicyLocal: true, endpoints: [endpoint('10.244.2.6')] });
  const r = render({ services: [remote] });
  t.deepEqual(rulesOf(section(r.text, 'filter'), 'KUBE-EXTERNAL-SERVICES'), [
    '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30001 -j DROP',
  ]);
  t.false(rulesOf(section(r.text, 'nat'), 'KUBE-EXT-XPGD46QRK7WJZT7O').some((l) => l.includes('KUBE-SVL')));
});

test('externalTrafficPolicy Cluster masquerades external traffic, then balances over every endpoint', (t) => {
  const sp = servicePort({ nodePort: 30001, externalIPs: ['192.168.99.1'], loadBalancerIPs: ['203.0.113.201'], endpoints: [endpoint('10.244.1.5')] });
  const nat = section(render({ services: [sp] }).text, 'nat');
  t.deepEqual(rulesOf(nat, 'KUBE-SERVICES').slice(0, 3), [
    '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 10.96.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
    '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 external IP" -m tcp -p tcp -d 192.168.99.1 --dport 80 -j KUBE-EXT-XPGD46QRK7WJZT7O',
    '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 loadbalancer IP" -m tcp -p tcp -d 203.0.113.201 --dport 80 -j KUBE-EXT-XPGD46QRK7WJZT7O',
  ]);
  t.deepEqual(rulesOf(nat, 'KUBE-EXT-XPGD46QRK7WJZT7O'), [
    '-A KUBE-EXT-XPGD46QRK7WJZT7O -m comment --comment "masquerade traffic for ns1/svc1:p80 external destinations" -j KUBE-MARK-MASQ',
    '-A KUBE-EXT-XPGD46QRK7WJZT7O -j KUBE-SVC-XPGD46QRK7WJZT7O',
  ]);
});

test('internalTrafficPolicy Local sends cluster IP traffic to local endpoints only, and drops it when there are none', (t) => {
  const sp = servicePort({ internalPolicyLocal: true, endpoints: [endpoint('10.244.1.5', { local: true }), endpoint('10.244.2.6')] });
  const nat = section(render({ services: [sp] }).text, 'nat');
  t.true(rulesOf(nat, 'KUBE-SERVICES')[0]!.endsWith('-j KUBE-SVL-XPGD46QRK7WJZT7O'));
  t.is(rulesOf(nat, 'KUBE-SVC-XPGD46QRK7WJZT7O').length, 0);
  t.is(nat.filter((l) => l.startsWith(':KUBE-SEP-')).length, 1);

  const remote = servicePort({ internalPolicyLocal: true, endpoints: [endpoint('10.244.2.6')] });
  t.deepEqual(rulesOf(section(render({ services: [remote] }).text, 'filter'), 'KUBE-SERVICES'), [
    '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 has no local endpoints" -m tcp -p tcp -d 10.96.0.41 --dport 80 -j DROP',
  ]);
});

test('loadBalancerSourceRanges go through KUBE-FW, and other sources are dropped by KUBE-PROXY-FIREWALL', (t) => {
  const sp = servicePort({ loadBalancerIPs: ['203.0.113.201'], loadBalancerSourceRanges: ['203.0.113.0/25', '172.18.0.0/24'], endpoints: [endpoint('10.244.1.5')] });
  const r = render({ services: [sp] });
  const nat = section(r.text, 'nat');
  t.true(rulesOf(nat, 'KUBE-SERVICES')[1]!.endsWith('-j KUBE-FW-XPGD46QRK7WJZT7O'));
  t.deepEqual(rulesOf(nat, 'KUBE-FW-XPGD46QRK7WJZT7O'), [
    '-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 203.0.113.0/25 -j KUBE-EXT-XPGD46QRK7WJZT7O',
    '-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 172.18.0.0/24 -j KUBE-EXT-XPGD46QRK7WJZT7O',
    // The node's own address is in a range: its loopback to the LB IP is allowed too.
    '-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 loadbalancer IP" -s 203.0.113.201 -j KUBE-EXT-XPGD46QRK7WJZT7O',
    '-A KUBE-FW-XPGD46QRK7WJZT7O -m comment --comment "other traffic to ns1/svc1:p80 will be dropped by KUBE-PROXY-FIREWALL"',
  ]);
  t.deepEqual(rulesOf(section(r.text, 'filter'), 'KUBE-PROXY-FIREWALL'), [
    '-A KUBE-PROXY-FIREWALL -m comment --comment "ns1/svc1:p80 traffic not accepted by KUBE-FW-XPGD46QRK7WJZT7O" -m tcp -p tcp -d 203.0.113.201 --dport 80 -j DROP',
  ]);
});

test('headless services and ports without a cluster IP get no rules', (t) => {
  const r = render({ services: [servicePort({ clusterIP: 'None', endpoints: [endpoint('10.244.1.5')] }), servicePort({ name: 'x', clusterIP: '', endpoints: [endpoint('10.244.1.5')] })] });
  t.is(r.natRules, 5);
  t.is(r.filterRules, 3);
});

test('a partial sync rewrites only the changed service chains, keeps the shared chains whole and deletes stale chains', (t) => {
  const a = servicePort({ name: 'a', clusterIP: '10.96.0.1', endpoints: [endpoint('10.244.1.5'), endpoint('10.244.1.6')] });
  const b = servicePort({ name: 'b', clusterIP: '10.96.0.2', endpoints: [endpoint('10.244.2.5')] });
  const first = render({ services: [a, b] });
  const bNow = { ...b, endpoints: [endpoint('10.244.2.6')] };
  const second = render({ services: [a, bNow], rewrite: new Set([serviceKey(b)]), existingChains: [...first.chains.values()].flat() });
  const nat = section(second.text, 'nat');
  const [aSvc] = first.chains.get(serviceKey(a))!;
  const [bSvc, bOldSep] = first.chains.get(serviceKey(b))!;
  const bNewSep = second.chains.get(serviceKey(b))![1]!;
  // Chain lines flush: an unchanged service's chains must not appear at all.
  t.false(nat.some((l) => l.includes(aSvc!) && !l.startsWith('-A KUBE-SERVICES ')));
  t.true(rulesOf(nat, 'KUBE-SERVICES').some((l) => l.endsWith(`-j ${aSvc}`)));
  t.true(nat.includes(`:${bSvc} - [0:0]`));
  t.true(nat.includes(`:${bNewSep} - [0:0]`));
  t.deepEqual(second.staleChains, [bOldSep]);
  t.is(nat.at(-1), `-X ${bOldSep}`);
  t.deepEqual(section(second.text, 'filter').slice(0, 5), [':KUBE-SERVICES - [0:0]', ':KUBE-EXTERNAL-SERVICES - [0:0]', ':KUBE-FORWARD - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-PROXY-FIREWALL - [0:0]']);
});

test('full syncs insert missing base-chain jumps and declare the canaries in mangle, nat and filter', (t) => {
  const text = render({ missingJumps: jumpRules, canaries: true }).text;
  t.deepEqual(section(text, 'mangle'), [':KUBE-PROXY-CANARY - [0:0]']);
  t.true(section(text, 'nat').includes(':KUBE-PROXY-CANARY - [0:0]'));
  t.deepEqual(section(text, 'filter').filter((l) => l.startsWith('-I INPUT')), [
    '-I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-I INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
    '-I INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
  ]);
  t.deepEqual(section(text, 'nat').filter((l) => l.startsWith('-I ')), [
    '-I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
  ]);
});

test('above 1000 endpoints the per-endpoint comments are dropped (large cluster mode)', (t) => {
  const small = render({ services: manyServices(10, 100) });
  const large = render({ services: manyServices(11, 100) });
  t.false(small.largeCluster);
  t.true(large.largeCluster);
  t.regex(small.text, /-A KUBE-SEP-\S+ -m comment --comment ns1\/svc0:p80 -s/);
  t.notRegex(large.text, /-A KUBE-SEP-\S+ -m comment/);
  t.notRegex(large.text, /-A KUBE-SVC-\S+ -m comment --comment "[^"]* -> /);
  t.regex(large.text, /"ns1\/svc0:p80 cluster IP"/);
});

test("a partial render from cached lines of unchanged services is byte for byte the uncached one", (t) => {
  const cache = new Map<string, CachedService>();
  let services = manyServices(40, 3);
  renderIptables({ node, services, existingChains: [], cache });
  for (const round of [0, 1, 2]) {
    const i = 7 + round;
    services = services.map((sp, j) => (j === i ? { ...sp, endpoints: sp.endpoints.slice(1) } : sp));
    const rewrite = new Set([serviceKey(services[i]!)]);
    const existingChains = ['KUBE-SEP-XXXXXXXXXXXXXXXX'];
    const plain = renderIptables({ node, services, existingChains, rewrite });
    const cached = renderIptables({ node, services, existingChains, rewrite, cache });
    t.is(cached.text, plain.text, `round ${round}`);
    t.deepEqual([cached.natRules, cached.filterRules, cached.written], [plain.natRules, plain.filterRules, plain.written]);
    t.deepEqual([...cached.endpointChains].sort(), [...plain.endpointChains].sort());
  }
  t.is(cache.size, 39, 'every service but the one just rewritten is cached');
});
