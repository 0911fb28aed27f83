// The records and negative answers of the cluster zone, asked of the engine directly.
import test from 'ava';
import dnsPacket from 'dns-packet';
import { ClusterView } from '../../../src/dns/cluster-view.js';
import { ClusterZone } from '../../../src/dns/cluster-zone.js';
import { AnswerEngine } from '../../../src/dns/engine.js';
import { ask, clusterIP, data, endpoint, externalName, headless, pod, query, seedCluster, service, slice } from './fixtures.js';

function engineFor(view = seedCluster(), opts: { zone?: string; ttl?: number } = {}): AnswerEngine {
  return new AnswerEngine({ zones: [new ClusterZone(view, opts)] });
}

const soaOf = (reply: Awaited<ReturnType<typeof ask>>) => reply.authorities?.find((a) => a.type === 'SOA');

test('a ClusterIP service has an A record with the default 5 s TTL, as the seed nslookup shows', async (t) => {
  const r = await ask(engineFor(), 'ms-hello-svc.default.svc.cluster.local', 'A');
  t.is(r.rcode, 'NOERROR');
  t.true(r.flag_aa);
  t.deepEqual(r.answers, [{ name: 'ms-hello-svc.default.svc.cluster.local', type: 'A', ttl: 5, class: 'IN', flush: false, data: '10.96.126.57' }]);
});

test('a ClusterIP service with no endpoints still resolves', async (t) => {
  const r = await ask(engineFor(), 'empty.default.svc.cluster.local', 'A');
  t.is(r.rcode, 'NOERROR');
  t.deepEqual(data(r.answers), ['10.96.30.30']);
});

test('AAAA of an IPv4-only service is NODATA with the zone SOA in authority', async (t) => {
  const r = await ask(engineFor(), 'ms-hello-svc.default.svc.cluster.local', 'AAAA');
  t.is(r.rcode, 'NOERROR');
  t.deepEqual(r.answers, []);
  const soa = soaOf(r);
  t.truthy(soa);
  t.is(soa!.name, 'cluster.local');
  t.is(soa!.ttl, 5);
  t.like((soa as { data: object }).data, { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', refresh: 7200, retry: 1800, expire: 86400, minimum: 5 });
});

test('a dual-stack service answers A and AAAA from its cluster IPs', async (t) => {
  const e = engineFor();
  t.deepEqual(data((await ask(e, 'dual.default.svc.cluster.local', 'A')).answers), ['10.96.20.20']);
  t.deepEqual(data((await ask(e, 'dual.default.svc.cluster.local', 'AAAA')).answers), ['fd00:10:96::20']);
});

test('the SOA serial is the time of the last change to the cluster', async (t) => {
  const view = seedCluster();
  const before = Math.floor(Date.now() / 1000);
  view.upsertService(clusterIP('late', '10.96.99.1', [{ port: 80 }]));
  const serial = (soaOf(await ask(engineFor(view), 'nope.default.svc.cluster.local', 'A'))!.data as { serial: number }).serial;
  t.true(serial >= before && serial <= Math.floor(Date.now() / 1000));
});

test('dns-version.cluster.local has TXT "1.1.0" with a 28800 s TTL', async (t) => {
  const e = engineFor();
  const r = await ask(e, 'dns-version.cluster.local', 'TXT');
  t.is(r.answers!.length, 1);
  t.is((r.answers![0] as { ttl: number }).ttl, 28800);
  t.deepEqual(data(r.answers), [[Buffer.from('1.1.0')]]);
  t.is((await ask(e, 'dns-version.cluster.local', 'A')).rcode, 'NOERROR');
});

test('the zone apex answers SOA and NS, other types NODATA', async (t) => {
  const e = engineFor();
  const soa = await ask(e, 'cluster.local', 'SOA');
  t.is(soa.answers![0]!.type, 'SOA');
  t.deepEqual(data((await ask(e, 'cluster.local', 'NS')).answers), ['ns.dns.cluster.local']);
  const a = await ask(e, 'cluster.local', 'A');
  t.is(a.rcode, 'NOERROR');
  t.deepEqual(a.answers, []);
  t.truthy(soaOf(a));
});

test('svc.cluster.local, pod.cluster.local and an existing namespace are NODATA; a missing namespace is NXDOMAIN', async (t) => {
  const e = engineFor();
  for (const name of ['svc.cluster.local', 'pod.cluster.local', 'default.svc.cluster.local', 'kube-system.svc.cluster.local', 'default.pod.cluster.local']) {
    const r = await ask(e, name, 'A');
    t.is(r.rcode, 'NOERROR', name);
    t.deepEqual(r.answers, [], name);
    t.truthy(soaOf(r), name);
  }
  for (const name of ['nosuchns.svc.cluster.local', 'ms-hello-svc.nosuchns.svc.cluster.local', 'nosuchns.pod.cluster.local']) {
    const r = await ask(e, name, 'A');
    t.is(r.rcode, 'NXDOMAIN', name);
    t.truthy(soaOf(r), name);
  }
});

test('unknown services, other first labels, sub-names of ExternalName services and labels naming no endpoint are NXDOMAIN', async (t) => {
  const e = engineFor();
  for (const name of [
    'nope.default.svc.cluster.local',
    'foo.cluster.local',
    'ms-hello-svc.default.foo.cluster.local',
    'x.ms-hello-svc.default.svc.cluster.local',
    'x.ext-db.default.svc.cluster.local',
    '_http._tcp.ext-db.default.svc.cluster.local',
    'a.b.c.d.e.default.svc.cluster.local',
  ]) {
    const r = await ask(e, name, 'A');
    t.is(r.rcode, 'NXDOMAIN', name);
    t.is(soaOf(r)?.name, 'cluster.local', name);
  }
});

test('names are matched case-insensitively and answers echo the question case', async (t) => {
  const r = await ask(engineFor(), 'MS-Hello-Svc.Default.SVC.Cluster.Local', 'A');
  t.is(r.rcode, 'NOERROR');
  t.is(r.questions![0]!.name, 'MS-Hello-Svc.Default.SVC.Cluster.Local');
  t.is(r.answers![0]!.name, 'MS-Hello-Svc.Default.SVC.Cluster.Local');
  t.deepEqual(data(r.answers), ['10.96.126.57']);
});

test('a configured zone and TTL replace cluster.local and 5 s', async (t) => {
  const e = engineFor(seedCluster(), { zone: 'lab.internal.', ttl: 30 });
  const r = await ask(e, 'kubernetes.default.svc.lab.internal', 'A');
  t.is((r.answers![0] as { ttl: number }).ttl, 30);
  const neg = await ask(e, 'nope.default.svc.lab.internal', 'A');
  t.is(soaOf(neg)!.name, 'lab.internal');
  t.is(soaOf(neg)!.ttl, 30);
  t.is((await ask(e, 'kubernetes.default.svc.cluster.local', 'A')).rcode, 'REFUSED');
});

test('a headless service answers one A per ready endpoint and leaves the unready one out', async (t) => {
  const r = await ask(engineFor(), 'headless-hello-svc.default.svc.cluster.local', 'A');
  t.is(r.rcode, 'NOERROR');
  t.deepEqual(data(r.answers).sort(), ['172.17.0.10', '172.17.0.11']);
});

test('endpoint names use the endpoint hostname, else the dashed IP; unknown endpoint labels are NXDOMAIN', async (t) => {
  const e = engineFor();
  t.deepEqual(data((await ask(e, 'web-0.headless-hello-svc.default.svc.cluster.local', 'A')).answers), ['172.17.0.10']);
  t.deepEqual(data((await ask(e, '172-17-0-11.headless-hello-svc.default.svc.cluster.local', 'A')).answers), ['172.17.0.11']);
  t.is((await ask(e, '172-17-0-10.headless-hello-svc.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  t.is((await ask(e, '172-17-0-12.headless-hello-svc.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  t.is((await ask(e, 'web-9.headless-hello-svc.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  const aaaa = await ask(e, 'web-0.headless-hello-svc.default.svc.cluster.local', 'AAAA');
  t.is(aaaa.rcode, 'NOERROR');
  t.deepEqual(aaaa.answers, []);
});

test('the endpoints of a ClusterIP service have names too (as CoreDNS), while the service name keeps its cluster IP', async (t) => {
  const e = engineFor();
  t.deepEqual(data((await ask(e, '172-17-0-10.ms-hello-svc.default.svc.cluster.local', 'A')).answers), ['172.17.0.10']);
  t.deepEqual(data((await ask(e, 'ms-hello-svc.default.svc.cluster.local', 'A')).answers), ['10.96.126.57']);
  t.is((await ask(e, '172-17-0-12.ms-hello-svc.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
});

test('a headless service with no ready endpoints is NXDOMAIN for every type', async (t) => {
  const e = engineFor();
  for (const type of ['A', 'AAAA', 'SRV']) t.is((await ask(e, 'nobody-ready.default.svc.cluster.local', type)).rcode, 'NXDOMAIN', type);
  t.is((await ask(e, '_http._tcp.nobody-ready.default.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN');
});

test('publishNotReadyAddresses puts unready endpoints in A records and gives them names', async (t) => {
  const e = engineFor();
  t.deepEqual(data((await ask(e, 'tolerant.default.svc.cluster.local', 'A')).answers).sort(), ['172.17.1.1', '172.17.1.2']);
  t.deepEqual(data((await ask(e, '172-17-1-2.tolerant.default.svc.cluster.local', 'A')).answers), ['172.17.1.2']);
});

test('pods with hostname and subdomain get <hostname>.<subdomain>.<ns>.svc records even when the slice lacks the hostname', async (t) => {
  const view = seedCluster();
  view.upsertService(headless('db', [{ name: 'pg', port: 5432 }]));
  view.upsertEndpointSlice(slice('db', [endpoint('10.244.3.7', { pod: 'db-0' }), endpoint('10.244.3.8', { pod: 'other' })], [{ name: 'pg', port: 5432 }]));
  const e = engineFor(view);
  t.is((await ask(e, 'db-0.db.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  view.upsertPod(pod('db-0', { hostname: 'db-0', subdomain: 'db' }, '10.244.3.7'));
  view.upsertPod(pod('other', { hostname: 'other', subdomain: 'not-db' }, '10.244.3.8'));
  t.deepEqual(data((await ask(e, 'db-0.db.default.svc.cluster.local', 'A')).answers), ['10.244.3.7']);
  t.deepEqual(data((await ask(e, '10-244-3-8.db.default.svc.cluster.local', 'A')).answers), ['10.244.3.8']);
  t.deepEqual(data((await ask(e, '7.3.244.10.in-addr.arpa', 'PTR')).answers), ['db-0.db.default.svc.cluster.local']);
  view.deletePod(pod('db-0', {}, '10.244.3.7'));
  t.is((await ask(e, 'db-0.db.default.svc.cluster.local', 'A')).rcode, 'NXDOMAIN');
  t.deepEqual(data((await ask(e, '10-244-3-7.db.default.svc.cluster.local', 'A')).answers), ['10.244.3.7']);
});

test('a ClusterIP service has one SRV per named port with weight 100/N and its A record in Additional', async (t) => {
  const e = engineFor();
  const r = await ask(e, '_http._tcp.multi.default.svc.cluster.local', 'SRV');
  t.is(r.rcode, 'NOERROR');
  t.deepEqual(data(r.answers), [{ priority: 0, weight: 100, port: 80, target: 'multi.default.svc.cluster.local' }]);
  t.deepEqual(r.additionals!.map((a) => [a.name, a.type, 'data' in a ? a.data : '']), [['multi.default.svc.cluster.local', 'A', '10.96.10.10']]);
  t.deepEqual(data((await ask(e, '_dns._udp.multi.default.svc.cluster.local', 'SRV')).answers), [{ priority: 0, weight: 100, port: 53, target: 'multi.default.svc.cluster.local' }]);
  const all = await ask(e, 'multi.default.svc.cluster.local', 'SRV');
  t.deepEqual(data(all.answers).map((d) => (d as { port: number; weight: number }).port), [80, 443, 53]);
  t.true(data(all.answers).every((d) => (d as { weight: number }).weight === 33));
});

test('SRV names of missing ports or protocols are NXDOMAIN, and unnamed ports have none', async (t) => {
  const e = engineFor();
  t.is((await ask(e, '_http._udp.multi.default.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN');
  t.is((await ask(e, '_ftp._tcp.multi.default.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN');
  t.is((await ask(e, 'http.tcp.multi.default.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN');
  t.is((await ask(e, '_._tcp.ms-hello-svc.default.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN');
  const a = await ask(e, '_http._tcp.multi.default.svc.cluster.local', 'A');
  t.is(a.rcode, 'NOERROR');
  t.deepEqual(a.answers, []);
});

test('a headless service has one SRV per ready endpoint and named port, targets named by hostname, A records in Additional', async (t) => {
  const r = await ask(engineFor(), '_http._tcp.headless-hello-svc.default.svc.cluster.local', 'SRV');
  t.deepEqual(data(r.answers).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), [
    { priority: 0, weight: 50, port: 7777, target: '172-17-0-11.headless-hello-svc.default.svc.cluster.local' },
    { priority: 0, weight: 50, port: 7777, target: 'web-0.headless-hello-svc.default.svc.cluster.local' },
  ]);
  t.deepEqual(r.additionals!.map((a) => `${a.name} ${'data' in a ? a.data : ''}`).sort(), [
    '172-17-0-11.headless-hello-svc.default.svc.cluster.local 172.17.0.11',
    'web-0.headless-hello-svc.default.svc.cluster.local 172.17.0.10',
  ]);
});

test('PTR of a cluster IP names the service; PTR of an endpoint names it under every service it backs', async (t) => {
  const e = engineFor();
  const svc = await ask(e, '57.126.96.10.in-addr.arpa', 'PTR');
  t.true(svc.flag_aa);
  t.deepEqual(data(svc.answers), ['ms-hello-svc.default.svc.cluster.local']);
  t.deepEqual(data((await ask(e, '1.0.96.10.in-addr.arpa', 'PTR')).answers), ['kubernetes.default.svc.cluster.local']);
  // The seed's busybox nslookup of headless-hello-svc printed 172-17-0-11.ms-hello-svc.default.svc.cluster.local.
  t.deepEqual(data((await ask(e, '10.0.17.172.in-addr.arpa', 'PTR')).answers).sort(), ['172-17-0-10.ms-hello-svc.default.svc.cluster.local', 'web-0.headless-hello-svc.default.svc.cluster.local']);
  t.deepEqual(data((await ask(e, '11.0.17.172.in-addr.arpa', 'PTR')).answers).sort(), ['172-17-0-11.headless-hello-svc.default.svc.cluster.local', '172-17-0-11.ms-hello-svc.default.svc.cluster.local']);
  const v6 = '0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa';
  t.deepEqual(data((await ask(e, v6, 'PTR')).answers), ['dual.default.svc.cluster.local']);
});

test('reverse names the cluster does not know are not its own: without an upstream they are REFUSED', async (t) => {
  t.is((await ask(engineFor(), '1.2.0.192.in-addr.arpa', 'PTR')).rcode, 'REFUSED');
  t.is((await ask(engineFor(), '12.0.17.172.in-addr.arpa', 'PTR')).rcode, 'REFUSED');
});

test('an ExternalName service answers a CNAME; without an upstream the CNAME stands alone', async (t) => {
  const e = engineFor();
  for (const type of ['A', 'CNAME', 'AAAA']) {
    const r = await ask(e, 'ext-db.default.svc.cluster.local', type);
    t.is(r.rcode, 'NOERROR', type);
    t.deepEqual(r.answers!.map((a) => [a.type, 'data' in a ? a.data : '']), [['CNAME', 'my.database.example.com']], type);
  }
});

test('updating externalName changes the CNAME and switching to ClusterIP turns it into an A record', async (t) => {
  const view = seedCluster();
  const e = engineFor(view);
  view.upsertService(externalName('ext-db', 'other.example.org.'));
  t.deepEqual(data((await ask(e, 'ext-db.default.svc.cluster.local', 'A')).answers), ['other.example.org']);
  view.upsertService(clusterIP('ext-db', '10.96.77.7', [{ name: '80', port: 80 }]));
  const r = await ask(e, 'ext-db.default.svc.cluster.local', 'A');
  t.deepEqual(r.answers!.map((a) => a.type), ['A']);
  t.deepEqual(data(r.answers), ['10.96.77.7']);
  t.deepEqual(data((await ask(e, '7.77.96.10.in-addr.arpa', 'PTR')).answers), ['ext-db.default.svc.cluster.local']);
  view.upsertService(externalName('ext-db', 'my.database.example.com'));
  t.deepEqual(data((await ask(e, 'ext-db.default.svc.cluster.local', 'A')).answers), ['my.database.example.com']);
  t.is((await ask(e, '7.77.96.10.in-addr.arpa', 'PTR')).rcode, 'REFUSED');
});

test('an ExternalName pointing into the cluster zone is followed inside the zone', async (t) => {
  const view = seedCluster();
  view.upsertService(externalName('alias', 'kubernetes.default.svc.cluster.local'));
  const r = await ask(engineFor(view), 'alias.default.svc.cluster.local', 'A');
  t.deepEqual(r.answers!.map((a) => [a.name, a.type, 'data' in a ? a.data : '']), [
    ['alias.default.svc.cluster.local', 'CNAME', 'kubernetes.default.svc.cluster.local'],
    ['kubernetes.default.svc.cluster.local', 'A', '10.96.0.1'],
  ]);
});

test('a CNAME loop between ExternalName services ends instead of spinning', async (t) => {
  const view = seedCluster();
  view.upsertService(externalName('ping', 'pong.default.svc.cluster.local'));
  view.upsertService(externalName('pong', 'ping.default.svc.cluster.local'));
  const r = await ask(engineFor(view), 'ping.default.svc.cluster.local', 'A');
  t.is(r.rcode, 'NOERROR');
  t.is(r.answers!.length, 9);
});

test('pod records answer any well-formed dashed IP in an existing namespace (CoreDNS pods insecure)', async (t) => {
  const e = engineFor();
  const r = await ask(e, '10-244-1-5.default.pod.cluster.local', 'A');
  t.is(r.rcode, 'NOERROR');
  t.deepEqual(data(r.answers), ['10.244.1.5']);
  t.deepEqual(data((await ask(e, 'fd00--5.other.pod.cluster.local', 'AAAA')).answers), ['fd00::5']);
  const aaaa = await ask(e, '10-244-1-5.default.pod.cluster.local', 'AAAA');
  t.is(aaaa.rcode, 'NOERROR');
  t.deepEqual(aaaa.answers, []);
  for (const name of ['10-244-1-256.default.pod.cluster.local', 'not-an-ip.default.pod.cluster.local', '10-244-1-5.nosuchns.pod.cluster.local', 'x.10-244-1-5.default.pod.cluster.local']) {
    t.is((await ask(e, name, 'A')).rcode, 'NXDOMAIN', name);
  }
});

test('names outside the zone are REFUSED when no upstream is configured', async (t) => {
  const r = await ask(engineFor(), 'www.example.com', 'A');
  t.is(r.rcode, 'REFUSED');
  t.false(r.flag_aa);
});

test('partial names resolve through a pod search list: svc, svc.ns and svc.ns.svc', async (t) => {
  const e = engineFor();
  const search = ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];
  // What a stub resolver with ndots:5 does: each search suffix in turn, then the name as is.
  const resolve = async (name: string): Promise<{ tried: string; answers: unknown[] } | undefined> => {
    for (const candidate of [...search.map((s) => `${name}.${s}`), name]) {
      const r = await ask(e, candidate, 'A');
      if (r.rcode === 'NOERROR' && r.answers!.length) return { tried: candidate, answers: data(r.answers) };
    }
    return undefined;
  };
  t.deepEqual(await resolve('ms-hello-svc'), { tried: 'ms-hello-svc.default.svc.cluster.local', answers: ['10.96.126.57'] });
  t.deepEqual(await resolve('kube-dns.kube-system'), { tried: 'kube-dns.kube-system.svc.cluster.local', answers: ['10.96.0.10'] });
  t.deepEqual(await resolve('kubernetes.default.svc'), { tried: 'kubernetes.default.svc.cluster.local', answers: ['10.96.0.1'] });
  t.is(await resolve('no-such-svc'), undefined);
});

test('AXFR and IXFR are REFUSED', async (t) => {
  for (const type of ['AXFR', 'IXFR']) t.is((await ask(engineFor(), 'cluster.local', type)).rcode, 'REFUSED', type);
});

test('opcodes other than QUERY get NOTIMP and malformed question sections FORMERR', async (t) => {
  const e = engineFor();
  const notify = await e.answer({ ...query('cluster.local', 'SOA'), flags: 4 << 11 });
  t.is((notify.flags ?? 0) & 0xf, 4);
  t.is(((notify.flags ?? 0) >> 11) & 0xf, 4);
  const two = await e.answer({ ...query('a.cluster.local', 'A'), questions: [{ name: 'a.cluster.local', type: 'A' }, { name: 'b.cluster.local', type: 'A' }] });
  t.is((two.flags ?? 0) & 0xf, 1);
  const none = await e.answer({ ...query('a.cluster.local', 'A'), questions: [] });
  t.is((none.flags ?? 0) & 0xf, 1);
  const chaos = await e.answer({ ...query('version.bind', 'TXT'), questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
  t.is((chaos.flags ?? 0) & 0xf, 5);
});

test('EDNS0 queries get an OPT record back; EDNS versions above 0 get BADVERS', async (t) => {
  const e = engineFor();
  const r = await ask(e, 'kubernetes.default.svc.cluster.local', 'A', { udpSize: 4096 });
  t.deepEqual(r.additionals!.map((a) => a.type), ['OPT']);
  const plain = await ask(e, 'kubernetes.default.svc.cluster.local', 'A');
  t.deepEqual(plain.additionals, []);
  const q = query('kubernetes.default.svc.cluster.local', 'A', { udpSize: 1232 });
  (q.additionals![0] as { ednsVersion: number }).ednsVersion = 1;
  const bad = dnsPacket.decode(dnsPacket.encode(await e.answer(q))) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
  const opt = bad.additionals!.find((a) => a.type === 'OPT') as { extendedRcode: number };
  t.is(bad.rcode, 'NOERROR');
  t.is(opt.extendedRcode, 1); // 16 (BADVERS) = extended 1 << 4 | header 0
});

test('services in other namespaces with the same name are told apart', async (t) => {
  const view = seedCluster();
  view.upsertService(clusterIP('ms-hello-svc', '10.96.126.99', [{ port: 17 }], 'other'));
  const e = engineFor(view);
  t.deepEqual(data((await ask(e, 'ms-hello-svc.other.svc.cluster.local', 'A')).answers), ['10.96.126.99']);
  t.deepEqual(data((await ask(e, 'ms-hello-svc.default.svc.cluster.local', 'A')).answers), ['10.96.126.57']);
});

test('a service without a cluster IP yet answers NODATA rather than a bogus address', async (t) => {
  const view = new ClusterView();
  view.upsertNamespace({ metadata: { name: 'default' } });
  view.upsertService(service('pending', { ports: [{ port: 80 }] }));
  const r = await ask(engineFor(view), 'pending.default.svc.cluster.local', 'A');
  t.is(r.rcode, 'NOERROR');
  t.deepEqual(r.answers, []);
});
