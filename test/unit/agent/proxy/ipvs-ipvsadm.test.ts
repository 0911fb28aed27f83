import test from 'ava';
import { ipvsChanges, parseIpvsList } from '../../../../src/agent/proxy/ipvs/ipvsadm.js';
import { endpoint, node, servicePort } from './fixtures.js';
import { wantedFor } from './ipvs-fixtures.js';

// As ipvsadm v1.31 prints it (recorded in the Debian kernel VM).
const listing = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.96.0.1:80 sh persistent 60
  -> 10.99.1.2:8080               Masq    1      2          5
  -> 10.244.1.2:8080              Masq    0      0          0
UDP  10.96.0.10:53 rr
SCTP  10.96.0.11:9 mh
`;

const web = (eps: string[], over = {}) => servicePort({ name: 'web', clusterIP: '10.96.0.20', endpoints: eps.map((ip) => endpoint(ip, { port: 8080 })), ...over });
const wanted = (...sps: ReturnType<typeof servicePort>[]) => wantedFor(sps, node).virtualServers;

test('ipvsadm -Ln is read into services, schedulers, persistence and real servers with weights and connection counts', (t) => {
  const table = parseIpvsList(listing);
  t.deepEqual([...table.keys()], ['TCP 10.96.0.1:80', 'UDP 10.96.0.10:53', 'SCTP 10.96.0.11:9']);
  t.like(table.get('TCP 10.96.0.1:80'), { protocol: 'TCP', ip: '10.96.0.1', port: 80, scheduler: 'sh', persistence: 60 });
  t.deepEqual([...table.get('TCP 10.96.0.1:80')!.reals.values()], [
    { ip: '10.99.1.2', port: 8080, weight: 1, connections: 7 },
    { ip: '10.244.1.2', port: 8080, weight: 0, connections: 0 },
  ]);
  t.like(table.get('UDP 10.96.0.10:53'), { scheduler: 'rr', persistence: undefined });
  t.is(table.get('UDP 10.96.0.10:53')!.reals.size, 0);
});

test('from an empty table: one -A per virtual server, one masquerading -a per real server', (t) => {
  const sticky = servicePort({ name: 'sticky', clusterIP: '10.96.0.30', sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 120, endpoints: [endpoint('10.244.1.10')] });
  const dns = servicePort({ name: 'dns', clusterIP: '10.96.0.10', port: 53, protocol: 'UDP', endpoints: [endpoint('10.244.2.5', { port: 53 })] });
  const { lines } = ipvsChanges(wanted(web(['10.244.1.10', '10.244.2.10']), sticky, dns), new Map());
  t.deepEqual(lines, [
    '-A -t 10.96.0.20:80 -s rr',
    '-a -t 10.96.0.20:80 -r 10.244.1.10:8080 -m -w 1',
    '-a -t 10.96.0.20:80 -r 10.244.2.10:8080 -m -w 1',
    '-A -t 10.96.0.30:80 -s rr -p 120',
    '-a -t 10.96.0.30:80 -r 10.244.1.10:80 -m -w 1',
    '-A -u 10.96.0.10:53 -s rr',
    '-a -u 10.96.0.10:53 -r 10.244.2.5:53 -m -w 1',
  ]);
});

test('a table that already matches needs no line, whether remembered or read back from ipvsadm', (t) => {
  const want = wanted(web(['10.244.1.10', '10.244.2.10']));
  const first = ipvsChanges(want, new Map());
  t.deepEqual(ipvsChanges(want, first.next).lines, []);
  const printed = ['TCP  10.96.0.20:80 rr', '  -> 10.244.1.10:8080              Masq    1      0          0', '  -> 10.244.2.10:8080              Masq    1      3          1'].join('\n');
  t.deepEqual(ipvsChanges(want, parseIpvsList(printed)).lines, []);
});

test('a new scheduler or affinity edits the service in place (-E), keeping its real servers and connections', (t) => {
  const before = ipvsChanges(wanted(web(['10.244.1.10'])), new Map()).next;
  t.deepEqual(ipvsChanges(wanted(web(['10.244.1.10'], { scheduler: 'lc' })), before).lines, ['-E -t 10.96.0.20:80 -s lc']);
  t.deepEqual(ipvsChanges(wanted(web(['10.244.1.10'], { sessionAffinity: 'ClientIP', stickyMaxAgeSeconds: 10800 })), before).lines, ['-E -t 10.96.0.20:80 -s rr -p 10800']);
});

test('a removed service is deleted (-D) with its real servers', (t) => {
  t.deepEqual(ipvsChanges(new Map(), parseIpvsList(listing)).lines, ['-D -t 10.96.0.1:80', '-D -u 10.96.0.10:53', '-D --sctp-service 10.96.0.11:9']);
});

test('a TCP real server that leaves is drained: weight 0 first, deleted once a kernel read shows no connection left', (t) => {
  const two = ipvsChanges(wanted(web(['10.244.1.10', '10.244.2.10'])), new Map()).next;
  const one = wanted(web(['10.244.1.10']));
  const draining = ipvsChanges(one, two);
  t.deepEqual(draining.lines, ['-e -t 10.96.0.20:80 -r 10.244.2.10:8080 -m -w 0']);
  t.like(draining.next.get('TCP 10.96.0.20:80')!.reals.get('10.244.2.10:8080'), { weight: 0 });
  t.deepEqual(ipvsChanges(one, draining.next).lines, [], 'still draining: connection counts are unknown until read');

  const busy = ['TCP  10.96.0.20:80 rr', '  -> 10.244.1.10:8080 Masq 1 0 0', '  -> 10.244.2.10:8080 Masq 0 1 0'].join('\n');
  t.deepEqual(ipvsChanges(one, parseIpvsList(busy)).lines, [], 'an open connection keeps it');
  const idle = busy.replace('Masq 0 1 0', 'Masq 0 0 0');
  t.deepEqual(ipvsChanges(one, parseIpvsList(idle)).lines, ['-d -t 10.96.0.20:80 -r 10.244.2.10:8080']);
  const idleButWeighted = busy.replace('Masq 0 1 0', 'Masq 1 0 0');
  t.deepEqual(ipvsChanges(one, parseIpvsList(idleButWeighted)).lines, ['-d -t 10.96.0.20:80 -r 10.244.2.10:8080'], 'no connection at all: deleted at once');
});

test('an endpoint that comes back while draining gets its weight back; UDP real servers are deleted at once', (t) => {
  const draining = ipvsChanges(wanted(web(['10.244.1.10'])), ipvsChanges(wanted(web(['10.244.1.10', '10.244.2.10'])), new Map()).next).next;
  t.deepEqual(ipvsChanges(wanted(web(['10.244.1.10', '10.244.2.10'])), draining).lines, ['-e -t 10.96.0.20:80 -r 10.244.2.10:8080 -m -w 1']);

  const dns = (ips: string[]) => servicePort({ clusterIP: '10.96.0.10', port: 53, protocol: 'UDP', endpoints: ips.map((ip) => endpoint(ip, { port: 53 })) });
  const before = ipvsChanges(wanted(dns(['10.244.1.5', '10.244.2.5'])), new Map()).next;
  t.deepEqual(ipvsChanges(wanted(dns(['10.244.1.5'])), before).lines, ['-d -u 10.96.0.10:53 -r 10.244.2.5:53']);
});
