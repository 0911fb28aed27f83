import test from 'ava';
import { serviceKey, type ServicePort } from '../../../../src/agent/proxy/model.js';
import { NftablesRules, type BuildOptions } from '../../../../src/agent/proxy/nftables/render.js';
import { endpoint, node, servicePort } from './fixtures.js';

const svcChain = 'service-ULMVA6XW-ns1/svc1/tcp/p80';
const ep1 = 'endpoint-GYPB6NK4-ns1/svc1/tcp/p80__10.244.1.5/80';
const ep2 = 'endpoint-BSI7QWKY-ns1/svc1/tcp/p80__10.244.2.6/80';
const two = servicePort({ endpoints: [endpoint('10.244.2.6'), endpoint('10.244.1.5')] });

function lines(rules: NftablesRules, services: ServicePort[], opts: Partial<BuildOptions> & { changed?: ServicePort[] } = {}): string[] {
  const changed = opts.changed && new Set(opts.changed.map(serviceKey));
  const built = rules.build({ node, services, ...(changed ? { changed } : {}) }, { full: !changed, now: 0, staleChainDelayMs: 1000, ...opts });
  return built.text.split('\n').filter(Boolean);
}

test('a full sync creates the kube-proxy table, base chains at the reference priorities and the dispatch maps', (t) => {
  const out = lines(new NftablesRules(), [two]);
  t.is(out[0], 'add table ip kube-proxy { comment "rules for kube-proxy" ; }');
  for (const chain of [
    'filter-prerouting { type filter hook prerouting priority -110 ; }',
    'filter-input { type filter hook input priority -110 ; }',
    'filter-forward { type filter hook forward priority -110 ; }',
    'filter-output { type filter hook output priority -110 ; }',
    'filter-output-post-dnat { type filter hook output priority -90 ; }',
    'nat-prerouting { type nat hook prerouting priority -100 ; }',
    'nat-output { type nat hook output priority -100 ; }',
    'nat-postrouting { type nat hook postrouting priority 100 ; }',
  ]) {
    t.true(out.includes(`add chain ip kube-proxy ${chain}`), chain);
  }
  for (const rule of [
    'nat-prerouting jump services',
    'nat-output jump services',
    'nat-postrouting jump masquerading',
    'filter-input ct state new jump nodeport-endpoints-check',
    'filter-forward ct state new jump service-endpoints-check',
    'filter-prerouting ct state new jump firewall-check',
    'services ip daddr . meta l4proto . th dport vmap @service-ips',
    'services ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports',
    'masquerading mark and 0x4000 == 0 return',
    'masquerading mark set mark xor 0x4000',
    'masquerading masquerade fully-random',
    'mark-for-masquerade mark set mark or 0x4000',
  ]) {
    t.true(out.includes(`add rule ip kube-proxy ${rule}`), rule);
  }
  for (const map of ['service-ips', 'service-nodeports', 'no-endpoint-services', 'no-endpoint-nodeports', 'firewall-ips']) t.true(out.includes(`flush map ip kube-proxy ${map}`), map);
  t.true(out.includes('add element ip kube-proxy nodeport-ips { 172.18.0.2 }'));
});

test('a service balances with numgen over endpoint chains that masquerade hairpin traffic and DNAT', (t) => {
  const out = lines(new NftablesRules(), [two]);
  t.true(out.includes(`add element ip kube-proxy service-ips { 10.96.0.41 . tcp . 80 : goto ${svcChain} }`));
  t.true(out.includes('add element ip kube-proxy cluster-ips { 10.96.0.41 }'));
  t.deepEqual(
    out.filter((l) => l.startsWith(`add rule ip kube-proxy ${svcChain} `) || l.startsWith(`add rule ip kube-proxy ${ep1} `)),
    [
      `add rule ip kube-proxy ${svcChain} ip daddr 10.96.0.41 tcp dport 80 ip saddr != 10.244.0.0/16 jump mark-for-masquerade`,
      `add rule ip kube-proxy ${svcChain} numgen random mod 2 vmap { 0 : goto ${ep1} , 1 : goto ${ep2} }`,
      `add rule ip kube-proxy ${ep1} ip saddr 10.244.1.5 jump mark-for-masquerade`,
      `add rule ip kube-proxy ${ep1} meta l4proto tcp dnat to 10.244.1.5:80`,
    ],
  );
});

test('a service without endpoints is rejected through no-endpoint-services and no-endpoint-nodeports', (t) => {
  const out = lines(new NftablesRules(), [servicePort({ nodePort: 30001 })]);
  t.true(out.includes('add element ip kube-proxy no-endpoint-services { 10.96.0.41 . tcp . 80 comment "ns1/svc1:p80" : goto reject-chain }'));
  t.true(out.includes('add element ip kube-proxy no-endpoint-nodeports { tcp . 30001 comment "ns1/svc1:p80" : goto reject-chain }'));
  t.true(out.includes('add rule ip kube-proxy reject-chain reject'));
  t.false(out.some((l) => l.includes('service-ULMVA6XW')));
});

test('ClientIP affinity uses a dynamic timeout set per endpoint, checked in the service chain and updated in the endpoint chain', (t) => {
  const out = lines(new NftablesRules(), [{ ...two, sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 600 }]);
  const set = 'affinity-GYPB6NK4-ns1/svc1/tcp/p80__10.244.1.5/80';
  t.true(out.includes(`add set ip kube-proxy ${set} { type ipv4_addr ; flags dynamic,timeout ; timeout 600s ; }`));
  t.true(out.includes(`add rule ip kube-proxy ${svcChain} ip saddr @${set} goto ${ep1}`));
  t.true(out.includes(`add rule ip kube-proxy ${ep1} update @${set} { ip saddr }`));
  t.true(out.indexOf(`add rule ip kube-proxy ${svcChain} ip saddr @${set} goto ${ep1}`) < out.findIndex((l) => l.includes('numgen')));
});

test('externalTrafficPolicy Local short-circuits pod and node traffic and drops outside traffic on nodes without local endpoints', (t) => {
  const ext = 'external-ULMVA6XW-ns1/svc1/tcp/p80';
  const local = servicePort({ nodePort: 30001, externalPolicyLocal: true, endpoints: [endpoint('10.244.1.5', { local: true }), endpoint('10.244.2.6')] });
  const out = lines(new NftablesRules(), [local]);
  t.deepEqual(
    out.filter((l) => l.startsWith(`add rule ip kube-proxy ${ext} `)),
    [
      `add rule ip kube-proxy ${ext} ip saddr 10.244.0.0/16 goto ${svcChain} comment "short-circuit pod traffic"`,
      `add rule ip kube-proxy ${ext} fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"`,
      `add rule ip kube-proxy ${ext} fib saddr type local goto ${svcChain} comment "short-circuit local traffic"`,
      `add rule ip kube-proxy ${ext} goto local-ULMVA6XW-ns1/svc1/tcp/p80`,
    ],
  );
  t.true(out.includes(`add element ip kube-proxy service-nodeports { tcp . 30001 : goto ${ext} }`));
  const remote = lines(new NftablesRules(), [{ ...local, endpoints: [endpoint('10.244.2.6')] }]);
  t.true(remote.includes('add element ip kube-proxy no-endpoint-nodeports { tcp . 30001 comment "ns1/svc1:p80" : drop }'));
});

test('loadBalancerSourceRanges send LB traffic through a firewall chain that drops other sources', (t) => {
  const out = lines(new NftablesRules(), [servicePort({ loadBalancerIPs: ['203.0.113.201'], loadBalancerSourceRanges: ['203.0.113.0/25'], endpoints: [endpoint('10.244.1.5')] })]);
  t.true(out.includes('add element ip kube-proxy firewall-ips { 203.0.113.201 . tcp . 80 comment "ns1/svc1:p80" : goto firewall-ULMVA6XW-ns1/svc1/tcp/p80 }'));
  t.true(out.includes('add rule ip kube-proxy firewall-ULMVA6XW-ns1/svc1/tcp/p80 ip saddr != { 203.0.113.0/25 } drop'));
});

test('a partial sync sends only the changed service chains and the map elements that differ', (t) => {
  const rules = new NftablesRules();
  const other = servicePort({ name: 'other', clusterIP: '10.96.0.50', endpoints: [endpoint('10.244.3.3')] });
  lines(rules, [two, other]);
  const oneLeft = { ...two, endpoints: [endpoint('10.244.1.5')] };
  const out = lines(rules, [oneLeft, other], { changed: [two], now: 10 });
  t.false(out.some((l) => l.includes('ns1/other') || l.includes('10.96.0.50')));
  t.false(out.some((l) => l.startsWith('add table') || l.includes('flush map')));
  t.true(out.includes(`flush chain ip kube-proxy ${svcChain}`));
  t.true(out.includes(`add rule ip kube-proxy ${svcChain} numgen random mod 1 vmap { 0 : goto ${ep1} }`));
  // The service-ips element still points at the same chain: not resent.
  t.false(out.some((l) => l.includes('element')));
  // The removed endpoint's chain is flushed now and deleted a second later.
  t.true(out.includes(`flush chain ip kube-proxy ${ep2}`));
  t.false(out.some((l) => l.startsWith('delete chain')));
  t.deepEqual(lines(rules, [oneLeft, other], { changed: [], now: 500 }), []);
  t.deepEqual(lines(rules, [oneLeft, other], { changed: [], now: 1010 }), [`delete chain ip kube-proxy ${ep2}`]);

  // Losing every endpoint moves the cluster IP from service-ips to no-endpoint-services.
  const empty = lines(rules, [{ ...two, endpoints: [] }, other], { changed: [two], now: 2000 });
  t.true(empty.includes('add element ip kube-proxy no-endpoint-services { 10.96.0.41 . tcp . 80 comment "ns1/svc1:p80" : goto reject-chain }'));
  t.true(empty.includes('delete element ip kube-proxy service-ips { 10.96.0.41 . tcp . 80 }'));
  t.true(empty.includes(`flush chain ip kube-proxy ${svcChain}`));
});

test('with no stale-chain delay a removed service is flushed and deleted in the same transaction', (t) => {
  const rules = new NftablesRules();
  lines(rules, [two], { staleChainDelayMs: 0 });
  const out = lines(rules, [], { changed: [two], staleChainDelayMs: 0 });
  t.deepEqual(out.filter((l) => l.startsWith('delete chain')).sort(), [ep1, ep2, svcChain].map((c) => `delete chain ip kube-proxy ${c}`).sort());
  t.true(out.indexOf('delete element ip kube-proxy service-ips { 10.96.0.41 . tcp . 80 }') < out.indexOf(`flush chain ip kube-proxy ${svcChain}`));
  t.true(out.indexOf(`flush chain ip kube-proxy ${svcChain}`) < out.indexOf(`delete chain ip kube-proxy ${svcChain}`));
});
