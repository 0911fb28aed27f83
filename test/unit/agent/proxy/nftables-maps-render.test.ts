import test from 'ava';
import { staleAffinities } from '../../../../src/agent/proxy/nftables-maps/backend.js';
import { MapsRules, sharedChainRules, type BuildOptions, type Built } from '../../../../src/agent/proxy/nftables-maps/render.js';
import { serviceKey, type ServicePort } from '../../../../src/agent/proxy/model.js';
import { endpoint, manyServices, node, servicePort } from './fixtures.js';

const two = servicePort({ endpoints: [endpoint('10.244.2.6'), endpoint('10.244.1.5')] });
const t_ = 'ip svclab-maps';

function build(rules: MapsRules, services: ServicePort[], changed?: ServicePort[], opts: Partial<BuildOptions> = {}): Built {
  return rules.build({ node, services, ...(changed ? { changed: new Set(changed.map(serviceKey)) } : {}) }, { full: !changed, ...opts });
}
const lines = (b: Built): string[] => b.text.split('\n').filter(Boolean);

test('a full sync creates the table, its fixed chains and maps, and one element per entry point and per endpoint', (t) => {
  const out = lines(build(new MapsRules(), [two]));
  t.true(out[0]!.startsWith(`add table ${t_}`));
  t.true(out.includes(`add chain ${t_} nat-prerouting { type nat hook prerouting priority -100 ; }`));
  t.true(out.includes(`add rule ${t_} services ip daddr . meta l4proto . th dport vmap @service-ips`));
  t.true(out.includes(`add map ${t_} cluster-endpoints { type ipv4_addr . inet_proto . inet_service . mark : ipv4_addr . inet_service ; counter ; comment "entry point . index -> endpoint" ; }`));
  t.true(out.includes(`add element ${t_} service-ips { 10.96.0.41 . tcp . 80 : goto endpoints-2 }`));
  // Sorted as kube-proxy sorts endpoints ("ip:port" strings), one statement per map.
  t.true(out.includes(`add element ${t_} cluster-endpoints { 10.96.0.41 . tcp . 80 . 0 : 10.244.1.5 . 80, 10.96.0.41 . tcp . 80 . 1 : 10.244.2.6 . 80 }`));
  t.true(out.includes(`add element ${t_} hairpin { 10.244.1.5 . 10.244.1.5, 10.244.2.6 . 10.244.2.6 }`));
  t.deepEqual(
    out.filter((l) => l.startsWith(`add rule ${t_} endpoints-2 `)).map((l) => l.slice(`add rule ${t_} endpoints-2 `.length)),
    ['dnat ip addr . port to ip saddr . ip daddr . meta l4proto . th dport map @affinity', 'ct mark set numgen random mod 2', 'dnat ip addr . port to ip daddr . meta l4proto . th dport . ct mark map @cluster-endpoints'],
  );
  t.false(out.some((l) => /add chain .*(svc1|10\.244)/.test(l)), 'no chain is per service or per endpoint');
});

test('the shared chain for an endpoint count is created before the first element that jumps to it', (t) => {
  const out = lines(build(new MapsRules(), [two]));
  t.true(out.findIndex((l) => l.startsWith(`add chain ${t_} endpoints-2`)) < out.findIndex((l) => l.includes('goto endpoints-2')));
});

test('a partial sync sends only the changed service port\'s elements, one statement per map', (t) => {
  const rules = new MapsRules();
  const services = manyServices(100, 2);
  build(rules, services);
  const moved = { ...services[42]!, endpoints: [services[42]!.endpoints[0]!, endpoint('10.250.0.9')] };
  const after = services.map((s) => (s === services[42] ? moved : s));
  const out = lines(build(rules, after, [moved]));
  const old = services[42]!.endpoints[1]!.ip;
  const replace = `delete element ${t_} cluster-endpoints { ${moved.clusterIP} . tcp . 80 . 1 }`;
  const put = `add element ${t_} cluster-endpoints { ${moved.clusterIP} . tcp . 80 . 1 : 10.250.0.9 . 80 }`;
  t.deepEqual([...out].sort(), [replace, put, `add element ${t_} hairpin { 10.250.0.9 . 10.250.0.9 }`, `delete element ${t_} hairpin { ${old} . ${old} }`].sort());
  t.true(out.indexOf(replace) < out.indexOf(put), 'an element is deleted before its new value is added');
  t.is(build(rules, after, []).text, '', 'nothing changed, nothing sent');
});

test('a third endpoint moves the service to the 3-endpoint chain; the unused 2-endpoint chain is flushed and deleted one sync later', (t) => {
  const rules = new MapsRules();
  build(rules, [two]);
  const three = { ...two, endpoints: [...two.endpoints, endpoint('10.244.3.7')] };
  const out = lines(build(rules, [three], [three]));
  t.true(out.includes(`add chain ${t_} endpoints-3`));
  t.true(out.includes(`delete element ${t_} service-ips { 10.96.0.41 . tcp . 80 }`));
  t.true(out.includes(`add element ${t_} service-ips { 10.96.0.41 . tcp . 80 : goto endpoints-3 }`));
  t.false(out.some((l) => l.includes('delete chain')), 'not in the sync that stopped using it');
  const later = lines(build(rules, [three], []));
  t.deepEqual(later, [`flush chain ${t_} endpoints-2`, `delete chain ${t_} endpoints-2`]);
});

test('no endpoints: reject; externalTrafficPolicy Local without a local endpoint: drop', (t) => {
  const none = lines(build(new MapsRules(), [servicePort({ endpoints: [] })]));
  t.true(none.includes(`add element ${t_} no-endpoint-services { 10.96.0.41 . tcp . 80 comment "ns1/svc1:p80" : goto reject-chain }`));
  t.false(none.some((l) => l.startsWith(`add element ${t_} service-ips`)));
  const local = servicePort({ nodePort: 30001, externalPolicyLocal: true, endpoints: [endpoint('10.244.2.6', { local: false })] });
  const out = lines(build(new MapsRules(), [local]));
  t.true(out.includes(`add element ${t_} no-endpoint-nodeports { tcp . 30001 comment "ns1/svc1:p80" : drop }`));
  t.true(out.includes(`add element ${t_} service-nodeports { tcp . 30001 : goto nodeport-local-1-0 }`), 'pods and the node still reach the other endpoint');
  t.deepEqual(sharedChainRules('nodeport-local-1-0', node.clusterCIDR)?.rules, [
    'ip saddr 10.244.0.0/16 goto nodeport-endpoints-1',
    'fib saddr type local jump mark-for-masquerade',
    'fib saddr type local goto nodeport-endpoints-1',
  ]);
});

test('externalTrafficPolicy Local: node ports and LB IPs get all endpoints for pods and the node, the local ones for the rest', (t) => {
  const sp = servicePort({
    nodePort: 30001,
    loadBalancerIPs: ['203.0.113.200'],
    externalPolicyLocal: true,
    endpoints: [endpoint('10.244.1.5', { local: true }), endpoint('10.244.2.6')],
  });
  const out = lines(build(new MapsRules(), [sp]));
  t.true(out.includes(`add element ${t_} service-ips { 10.96.0.41 . tcp . 80 : goto endpoints-2, 203.0.113.200 . tcp . 80 : goto external-local-2-1 }`));
  t.true(out.includes(`add element ${t_} service-nodeports { tcp . 30001 : goto nodeport-local-2-1 }`));
  t.true(out.includes(`add element ${t_} nodeport-local-endpoints { tcp . 30001 . 0 : 10.244.1.5 . 80 }`));
  t.deepEqual(sharedChainRules('external-local-2-1', node.clusterCIDR)?.rules, [
    'ip saddr 10.244.0.0/16 goto endpoints-2',
    'fib saddr type local jump mark-for-masquerade',
    'fib saddr type local goto endpoints-2',
    'goto local-endpoints-1',
  ]);
  t.deepEqual(sharedChainRules('external-2', node.clusterCIDR)?.rules, ['jump mark-for-masquerade', 'goto endpoints-2'], 'Cluster policy masquerades');
});

test('loadBalancerSourceRanges: the LB IP is in firewall-ips and each allowed range in firewall-allow', (t) => {
  const sp = servicePort({ loadBalancerIPs: ['203.0.113.200'], loadBalancerSourceRanges: ['198.51.100.0/24'], endpoints: [endpoint('10.244.1.5')] });
  const out = lines(build(new MapsRules(), [sp]));
  t.true(out.includes(`add element ${t_} firewall-ips { 203.0.113.200 . tcp . 80 comment "ns1/svc1:p80" }`));
  t.true(out.includes(`add element ${t_} firewall-allow { 203.0.113.200 . tcp . 80 . 198.51.100.0/24 }`));
  t.true(out.includes(`add rule ${t_} firewall-check ip daddr . meta l4proto . th dport @firewall-ips ip daddr . meta l4proto . th dport . ip saddr != @firewall-allow drop`));
});

test('ClientIP affinity: entry points per timeout, recorded in nat-postrouting; a gone endpoint or a new timeout asks for a cleanup', (t) => {
  const rules = new MapsRules();
  const sticky = servicePort({ sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 600, nodePort: 30001, endpoints: [endpoint('10.244.1.5'), endpoint('10.244.2.6')] });
  const first = build(rules, [sticky]);
  const out = lines(first);
  t.true(out.includes(`add element ${t_} affinity-600 { 10.96.0.41 . tcp . 80, 172.18.0.2 . tcp . 30001 }`), out.join('\n'));
  t.true(out.includes(`add rule ${t_} nat-postrouting meta l4proto tcp ct original ip daddr . meta l4proto . ct original proto-dst @affinity-600 update @affinity { ct original ip saddr . ct original ip daddr . meta l4proto . ct original proto-dst timeout 600s : ip daddr . tcp dport }`));
  t.is(out.at(-1)?.startsWith(`add rule ${t_} nat-postrouting jump masquerading`) || out.some((l) => l === `add rule ${t_} nat-postrouting jump masquerading`), true);

  const fewer = { ...sticky, endpoints: [endpoint('10.244.1.5')] };
  const check = build(rules, [fewer], [fewer]).affinityCheck;
  t.deepEqual(check?.valid.get('10.96.0.41 . tcp . 80'), new Set(['10.244.1.5 . 80']));
  t.is(check?.reset.size, 0);
  const longer = { ...fewer, stickyMaxAgeSeconds: 900 };
  const moved = build(rules, [longer], [longer]);
  t.true(moved.affinityCheck?.reset.has('10.96.0.41 . tcp . 80'), 'recorded clients of the old timeout go');
  t.true(lines(moved).includes(`delete set ${t_} affinity-600`));

  // What nft -j prints for the affinity map: client . entry point -> endpoint.
  const listed = {
    nftables: [
      {
        map: {
          table: 'svclab-maps',
          name: 'affinity',
          elem: [
            [{ elem: { val: { concat: ['10.244.9.9', '10.96.0.41', 'tcp', 80] } } }, { concat: ['10.244.1.5', 80] }],
            [{ elem: { val: { concat: ['10.244.9.8', '10.96.0.41', 'tcp', 80] } } }, { concat: ['10.244.2.6', 80] }],
          ],
        },
      },
    ],
  };
  t.deepEqual(staleAffinities(listed, check!), ['10.244.9.8 . 10.96.0.41 . tcp . 80'], 'only the client stuck to the endpoint that left');
});

test('a cluster IP shared by two ports stays while either port remains', (t) => {
  const rules = new MapsRules();
  const a = servicePort({ portName: 'a', port: 80, endpoints: [endpoint('10.244.1.5')] });
  const b = servicePort({ portName: 'b', port: 81, endpoints: [endpoint('10.244.1.5')] });
  build(rules, [a, b]);
  const out = lines(build(rules, [b], [a]));
  t.false(out.some((l) => l.includes('cluster-ips')), out.join('\n'));
  t.false(out.some((l) => l.includes('hairpin')), 'the pod still backs port b');
  t.true(lines(build(rules, [], [b])).includes(`delete element ${t_} cluster-ips { 10.96.0.41 }`));
});
