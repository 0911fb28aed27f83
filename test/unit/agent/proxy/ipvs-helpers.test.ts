import test from 'ava';
import { addressChanges, parseAddresses } from '../../../../src/agent/proxy/ipvs/dummy.js';
import { ipsetChanges, parseIpsetSave } from '../../../../src/agent/proxy/ipvs/ipset.js';
import { ipvsJumpRules, renderIpvsIptables } from '../../../../src/agent/proxy/ipvs/iptables.js';
import { endpoint, node, servicePort } from './fixtures.js';
import { wantedFor } from './ipvs-fixtures.js';

const web = servicePort({ name: 'web', clusterIP: '10.96.0.20', nodePort: 30080, endpoints: [endpoint('10.244.1.10', { port: 8080 })] });

test('the first ipset restore creates every kube-proxy set with its type, then adds the members', (t) => {
  const lines = ipsetChanges(wantedFor([web], node).members(), new Map());
  t.deepEqual(lines.filter((l) => l.startsWith('create')).slice(0, 3), [
    'create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536',
    'create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536',
    'create KUBE-EXTERNAL-IP hash:ip,port family inet hashsize 1024 maxelem 65536',
  ]);
  t.true(lines.includes('create KUBE-NODE-PORT-TCP bitmap:port range 0-65535'));
  t.is(lines.filter((l) => l.startsWith('create')).length, 16);
  t.deepEqual(lines.filter((l) => !l.startsWith('create')), [
    'add KUBE-LOOP-BACK 10.244.1.10,tcp:8080,10.244.1.10',
    'add KUBE-CLUSTER-IP 10.96.0.20,tcp:80',
    'add KUBE-NODE-PORT-TCP 30080',
    'add KUBE-IPVS-IPS 10.96.0.20',
  ]);
});

test('ipset save is read back (other sets ignored), and only differing members are sent', (t) => {
  const saved = [
    'create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x1',
    'add KUBE-CLUSTER-IP 10.96.0.20,tcp:80',
    'add KUBE-CLUSTER-IP 10.96.0.99,tcp:80',
    'create someone-else hash:ip family inet',
    'add someone-else 1.2.3.4',
  ].join('\n');
  const current = parseIpsetSave(saved);
  t.deepEqual([...current.keys()], ['KUBE-CLUSTER-IP']);
  const wanted = new Map([['KUBE-CLUSTER-IP', new Set(['10.96.0.20,tcp:80', '10.96.0.21,udp:53'])]]);
  t.deepEqual(ipsetChanges(wanted, current), ['del KUBE-CLUSTER-IP 10.96.0.99,tcp:80', 'add KUBE-CLUSTER-IP 10.96.0.21,udp:53']);
  t.deepEqual(ipsetChanges(wanted, new Map([['KUBE-CLUSTER-IP', new Set(wanted.get('KUBE-CLUSTER-IP'))]])), []);
});

test('service IPs on kube-ipvs0 are read from ip addr and changed with one ip batch', (t) => {
  const shown = '5: kube-ipvs0    inet 10.96.0.1/32 scope global kube-ipvs0\\       valid_lft forever preferred_lft forever\n5: kube-ipvs0    inet 10.96.0.9/32 scope global kube-ipvs0\\       valid_lft forever preferred_lft forever\n';
  const current = parseAddresses(shown);
  t.deepEqual([...current], ['10.96.0.1', '10.96.0.9']);
  t.deepEqual(addressChanges(new Set(['10.96.0.1', '10.96.0.20']), current), ['address del 10.96.0.9/32 dev kube-ipvs0', 'address add 10.96.0.20/32 dev kube-ipvs0']);
});

const rules = (nonEmpty: string[], missingJumps = ipvsJumpRules) => renderIpvsIptables({ clusterCIDR: '10.244.0.0/16', nonEmpty: new Set(nonEmpty), missingJumps, randomFully: true }).text.split('\n');

test('with no service: masquerade plumbing, forwarding and the access filter, and the base-chain jumps', (t) => {
  const text = rules([]);
  t.deepEqual(text.filter((l) => l.startsWith('-I')), [
    '-I INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER',
    '-I INPUT -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL',
    '-I FORWARD -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL',
    '-I FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-I OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-I POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
  ]);
  t.deepEqual(text.filter((l) => l.startsWith('-A KUBE-POSTROUTING') || l.startsWith('-A KUBE-MARK-MASQ')), [
    '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000',
  ]);
  t.deepEqual(text.filter((l) => l.startsWith('-A KUBE-SERVICES')), []);
  t.is(text.at(-2), 'COMMIT');
  t.true(text.includes('-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT'));
  t.deepEqual(rules([], []).filter((l) => l.startsWith('-I')), [], 'jumps already there are not inserted again');
});

test('cluster IPs, NodePorts and LoadBalancers: constant rules matching the sets, Local sets skip masquerading', (t) => {
  const text = rules(['KUBE-CLUSTER-IP', 'KUBE-NODE-PORT-TCP', 'KUBE-NODE-PORT-LOCAL-TCP', 'KUBE-LOAD-BALANCER', 'KUBE-LOAD-BALANCER-LOCAL']);
  t.deepEqual(text.filter((l) => l.startsWith('-A KUBE-SERVICES')), [
    '-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ',
    '-A KUBE-SERVICES -m comment --comment "Kubernetes service lb portal" -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER',
    '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT',
    '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
    '-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER dst,dst -j ACCEPT',
  ]);
  t.deepEqual(text.filter((l) => l.startsWith('-A KUBE-NODE-PORT')), [
    '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN',
    '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ',
  ]);
  t.deepEqual(text.filter((l) => l.startsWith('-A KUBE-LOAD-BALANCER')), [
    '-A KUBE-LOAD-BALANCER -m comment --comment "Kubernetes service load balancer ip + port with externalTrafficPolicy=local" -m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN',
    '-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ',
  ]);
  // The rule count does not grow with the number of services: it only depends on which sets have members.
  const one = renderIpvsIptables({ clusterCIDR: '10.244.0.0/16', nonEmpty: new Set(wantedFor([web], node).members().keys()), missingJumps: [], randomFully: true });
  t.true(one.rules < 40);
});

test('load balancer source ranges go through the source-ranges firewall', (t) => {
  const text = rules(['KUBE-LOAD-BALANCER', 'KUBE-LOAD-BALANCER-FW', 'KUBE-LOAD-BALANCER-SOURCE-CIDR']);
  t.deepEqual(text.filter((l) => /^-A KUBE-(PROXY|SOURCE-RANGES)-FIREWALL/.test(l)), [
    '-A KUBE-PROXY-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port for load balancer with sourceRange" -m set --match-set KUBE-LOAD-BALANCER-FW dst,dst -j KUBE-SOURCE-RANGES-FIREWALL',
    '-A KUBE-SOURCE-RANGES-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port + source cidr for packet filter purpose" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-CIDR dst,dst,src -j RETURN',
    '-A KUBE-SOURCE-RANGES-FIREWALL -m comment --comment "Kubernetes service load balancer ip + port + source IP for packet filter purpose" -m set --match-set KUBE-LOAD-BALANCER-SOURCE-IP dst,dst,src -j RETURN',
    '-A KUBE-SOURCE-RANGES-FIREWALL -j DROP',
  ]);
});
