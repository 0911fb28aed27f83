import test from 'ava';
import { groupPackets, packetFields, parseTraceLine, type TraceEvent } from '../../../src/trace/parse.js';
import { iptablesRuleByHandle, parseTableListing, ruleComment } from '../../../src/trace/listing.js';
import { describeNat, parseConntrack } from '../../../src/trace/conntrack.js';
import { orphanTables, traceRuleset } from '../../../src/trace/table.js';
import { stepsOf } from '../../../src/trace/session.js';
import { dnatTargets, replyLine, stoppedAt } from '../../../src/trace/trace.js';

// Lines as nft 1.0.6 `nft -a monitor` printed them on a lab node (iptables mode).
const own = 'svclab_trace_100_24003';
const monitor = `add table ip ${own} # handle 9
trace id 86cd34f9 ip ${own} prerouting packet: iif "vethb02e" ether saddr 4a:ee:66:77:18:74 ip saddr 10.244.2.3 ip daddr 10.101.88.190 ip dscp cs0 ip ecn not-ect ip ttl 64 ip id 16048 ip length 60 tcp sport 24003 tcp dport 80 tcp flags == syn tcp window 64240
trace id 86cd34f9 ip ${own} prerouting rule meta l4proto tcp th sport 24003 ip dscp set cs4 meta nftrace set 1 # handle 3 (verdict continue)
trace id 86cd34f9 ip ${own} prerouting policy accept
trace id 86cd34f9 ip nat PREROUTING packet: iif "vethb02e" ip saddr 10.244.2.3 ip daddr 10.101.88.190 ip dscp cs4 ip ttl 64 tcp sport 24003 tcp dport 80 tcp flags == syn
trace id 86cd34f9 ip nat PREROUTING rule  counter packets 9 bytes 585 jump KUBE-SERVICES # handle 11 (verdict jump KUBE-SERVICES)
trace id 86cd34f9 ip nat KUBE-SERVICES rule meta l4proto tcp ip daddr 10.101.88.190  tcp dport 80 counter packets 0 bytes 0 jump KUBE-SVC-CDGG # handle 315 (verdict jump KUBE-SVC-CDGG)
trace id 86cd34f9 ip nat KUBE-SVC-CDGG unknown rule handle 320 (verdict jump KUBE-SEP-2AZ3)
trace id 86cd34f9 ip nat KUBE-SEP-2AZ3 rule meta l4proto tcp   counter packets 0 bytes 0 dnat to 10.244.1.3:8080 # handle 323 (verdict accept)
trace id 86cd34f9 ip filter FORWARD packet: iif "vethb02e" oif "eth0" ip saddr 10.244.2.3 ip daddr 10.244.1.3 ip ttl 63 tcp sport 24003 tcp dport 8080 tcp flags == syn
trace id 86cd34f9 ip filter FORWARD policy accept
trace id 11111111 ip svclab_trace_7_25000 prerouting packet: ip saddr 10.244.9.9 ip daddr 10.96.0.1 tcp sport 25000 tcp dport 443
trace id 11111111 ip nat PREROUTING rule jump KUBE-SERVICES # handle 11 (verdict jump KUBE-SERVICES)
trace id 526634b8 ip ${own} prerouting packet: iif "eth0" ip saddr 10.244.1.3 ip daddr 10.244.2.3 ip ttl 63 tcp sport 8080 tcp dport 24003 tcp flags == 0x12
trace id 526634b8 ip filter FORWARD packet: iif "eth0" oif "vethb02e" ip saddr 10.244.1.3 ip daddr 10.244.2.3 tcp sport 8080 tcp dport 24003
trace id 526634b8 ip filter FORWARD rule  counter packets 982 bytes 90469 jump KUBE-FORWARD # handle 15 (verdict jump KUBE-FORWARD)
trace id 526634b8 ip filter KUBE-FORWARD rule  ct state related,established counter packets 184 bytes 10939 accept # handle 40 (verdict accept)`;

const events = (): TraceEvent[] => monitor.split('\n').map(parseTraceLine).filter((e): e is TraceEvent => !!e);

test('trace lines: packet, rule with handle and verdict, unknown rule, policy; other monitor lines ignored', (t) => {
  const es = events();
  t.is(es.length, 16);
  t.like(es[0], { id: '86cd34f9', family: 'ip', table: own, chain: 'prerouting', kind: 'packet' });
  t.like(es[4], { table: 'nat', chain: 'PREROUTING', kind: 'rule', text: 'counter packets 9 bytes 585 jump KUBE-SERVICES', handle: 11, verdict: 'jump KUBE-SERVICES' });
  t.like(es[6], { chain: 'KUBE-SVC-CDGG', kind: 'rule', text: '', handle: 320, verdict: 'jump KUBE-SEP-2AZ3' });
  t.like(es[2], { kind: 'policy', verdict: 'accept' });
});

test('packet fields', (t) => {
  t.deepEqual(packetFields('iif "vethb02e" ip saddr 10.244.2.3 ip daddr 10.101.88.190 ip dscp cs4 ip ttl 64 tcp sport 24003 tcp dport 80 tcp flags == syn'), {
    saddr: '10.244.2.3',
    daddr: '10.101.88.190',
    proto: 'tcp',
    sport: 24003,
    dport: 80,
    iif: 'vethb02e',
    oif: undefined,
    ttl: 64,
    flags: 'syn',
    dscp: 'cs4',
  });
  t.like(packetFields('ip saddr 1.2.3.4 ip daddr 5.6.7.8 udp sport 9 udp dport 53'), { proto: 'udp', sport: 9, dport: 53 });
});

test('packets start where their id enters our own table; another trace table never starts one', (t) => {
  const packets = groupPackets(events(), own, (tb) => tb.startsWith('svclab_trace_'));
  t.is(packets.length, 2);
  t.is(packets[0]!.fields.sport, 24003);
  t.deepEqual(
    packets[0]!.events.map((e) => `${e.chain}:${e.kind}`),
    ['PREROUTING:packet', 'PREROUTING:rule', 'KUBE-SERVICES:rule', 'KUBE-SVC-CDGG:rule', 'KUBE-SEP-2AZ3:rule', 'FORWARD:packet', 'FORWARD:policy'],
  );
  t.is(packets[1]!.fields.dport, 24003);
});

const natListing = `table ip nat { # handle 1
\tchain PREROUTING { # handle 1
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\t counter packets 9 bytes 585 jump KUBE-SERVICES # handle 11
\t}

\tchain KUBE-SERVICES { # handle 2
\t\tmeta l4proto tcp ip daddr 10.101.88.190  tcp dport 80 counter packets 0 bytes 0 jump KUBE-SVC-CDGG # handle 315
\t}

\tchain KUBE-SVC-CDGG { # handle 3
\t\t meta random & 2147483647 < 1073741824 counter packets 0 bytes 0 jump KUBE-SEP-2AZ3 # handle 320
\t}

\tchain KUBE-SEP-2AZ3 { # handle 4
\t\tmeta l4proto tcp   counter packets 0 bytes 0 dnat to 10.244.1.3:8080 # handle 323
\t}
}
# Warning: table ip nat is managed by iptables-nft, do not touch!`;

const natSave = `*nat
:PREROUTING ACCEPT [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.101.88.190/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-CDGG
-A KUBE-SVC-CDGG -m comment --comment "default/web:http -> 10.244.1.3:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2AZ3
-A KUBE-SEP-2AZ3 -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.3:8080
COMMIT`;

test('a listing gives base chain hooks, rules by handle, and iptables-nft ownership; iptables-save rules line up by position', (t) => {
  const l = parseTableListing(natListing);
  t.is(l.hooks.get('PREROUTING'), 'prerouting');
  t.false(l.hooks.has('KUBE-SERVICES'));
  t.deepEqual(l.handles.get('KUBE-SERVICES'), [315]);
  t.is(l.rules.get('KUBE-SVC-CDGG#320'), 'meta random & 2147483647 < 1073741824 counter packets 0 bytes 0 jump KUBE-SEP-2AZ3');
  t.true(l.iptablesNft);
  const ipt = iptablesRuleByHandle(l, natSave, 'nat');
  t.is(ipt.get('KUBE-SEP-2AZ3#323'), '-A KUBE-SEP-2AZ3 -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.3:8080');
  t.is(ruleComment(ipt.get('KUBE-SVC-CDGG#320')!), 'default/web:http -> 10.244.1.3:8080');
  t.is(ruleComment('ip daddr 1.2.3.4 comment "ns/svc:p"'), 'ns/svc:p');
});

test('steps carry hooks, iptables rules and comments; the DNAT target and the stop are found', (t) => {
  const [p] = groupPackets(events(), own, (tb) => tb.startsWith('svclab_trace_'));
  const l = parseTableListing(natListing);
  const steps = stepsOf(p!, new Map([['ip nat', l]]), new Map([['ip nat', iptablesRuleByHandle(l, natSave, 'nat')]]));
  const sep = steps.find((s) => s.chain === 'KUBE-SEP-2AZ3')!;
  t.like(sep, { hook: 'prerouting', comment: 'default/web:http', verdict: 'accept' });
  t.is(steps.find((s) => s.chain === 'KUBE-SVC-CDGG')!.comment, 'default/web:http -> 10.244.1.3:8080', 'an unknown rule is named from the listing');
  const passes = [{ host: 'node2', direction: 'original' as const, packet: p!.fields, steps }];
  t.deepEqual(dnatTargets({ passes, conntrack: [] }), ['10.244.1.3:8080']);
  // nftables-maps: the address comes from a map, the host's conntrack entry names the endpoint chosen.
  const viaMap = [{ host: 'node2', direction: 'original' as const, packet: {}, steps: [{ family: 'ip', table: 'svclab-maps', chain: 'endpoints-2', kind: 'rule' as const, rule: 'dnat ip to ip daddr . meta l4proto . th dport . ct mark map @cluster-endpoints', verdict: 'accept' }] }];
  const conntrack = parseConntrack('node2', 'tcp 6 119 TIME_WAIT src=10.244.2.3 dst=10.105.41.184 sport=28808 dport=80 src=10.244.1.3 dst=10.244.2.3 sport=8080 dport=28808 [ASSURED] mark=1 use=1');
  t.deepEqual(dnatTargets({ passes: viaMap, conntrack }), ['10.244.1.3:8080']);
  t.is(stoppedAt({ passes }), undefined);
  const rejected = [{ host: 'node1', direction: 'original' as const, packet: {}, steps: [{ family: 'ip', table: 'filter', chain: 'KUBE-SERVICES', kind: 'rule' as const, rule: 'reject', iptables: '-A KUBE-SERVICES -m comment --comment "default/nobody:tcp has no endpoints" -j REJECT', comment: 'default/nobody:tcp has no endpoints', verdict: 'drop' }] }];
  t.like(stoppedAt({ passes: rejected }), { host: 'node1', verdict: 'reject', comment: 'default/nobody:tcp has no endpoints' });
});

test('conntrack entries show the un-DNAT and the masquerade', (t) => {
  const [e] = parseConntrack('node1', 'tcp      6 118 TIME_WAIT src=203.0.113.2 dst=172.18.0.2 sport=26058 dport=30080 src=10.244.1.3 dst=172.18.0.2 sport=8080 dport=36596 [ASSURED] mark=0 use=1\n');
  t.like(e, { host: 'node1', proto: 'tcp', state: 'TIME_WAIT', original: { src: '203.0.113.2', dst: '172.18.0.2', sport: 26058, dport: 30080 } });
  t.deepEqual(describeNat(e!), [
    'un-DNAT: replies from 10.244.1.3:8080 are rewritten to come from 172.18.0.2:30080',
    'un-SNAT: replies to 172.18.0.2:36596 are rewritten to go to 203.0.113.2:26058 (masquerade)',
  ]);
});

test('the trace table matches only the probe, at raw priority; tables of dead traces are orphans', (t) => {
  const text = traceRuleset('svclab_trace_1_20001', 'udp', 20001);
  t.regex(text, /type filter hook prerouting priority raw;/);
  t.regex(text, /type filter hook output priority raw;/);
  t.regex(text, /meta l4proto udp th sport 20001 ip dscp set cs4 meta nftrace set 1/);
  t.regex(text, /meta l4proto udp th dport 20001 meta nftrace set 1/);
  const tables = 'table ip kube-proxy\ntable ip svclab_trace_10_20001\ntable ip svclab_trace_11_20002\ntable ip nat';
  t.deepEqual(orphanTables(tables, (pid) => pid === 11), ['svclab_trace_10_20001']);
});

test('a reply is shown by its first line, or by its size when binary', (t) => {
  t.is(replyLine('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n'), 'HTTP/1.1 200 OK');
  t.is(replyLine('sv\u0081\u0000\u0001'), '6 bytes (binary)');
  t.is(replyLine(''), undefined);
});
