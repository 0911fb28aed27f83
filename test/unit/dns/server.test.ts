// The real server on loopback, asked by the real dig binary and by dns-packet
// over UDP and TCP; a second server in static-zone mode plays the upstream.
import test from 'ava';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { dig, query, startDns, tcp, tcpRaw, udp, udpRaw, upstreamRecords } from './fixtures.js';

test('kubernetes.default.svc.cluster.local resolves with dig over UDP and over TCP', async (t) => {
  const { port } = await startDns(t);
  for (const transport of ['+notcp', '+tcp']) {
    const r = await dig(port, 'kubernetes.default.svc.cluster.local', 'A', transport);
    t.is(r.status, 'NOERROR', transport);
    t.true(r.flags.includes('aa'), transport);
    t.deepEqual(r.answer, [{ name: 'kubernetes.default.svc.cluster.local.', ttl: 5, type: 'A', data: '10.96.0.1' }], transport);
    t.regex(r.output, transport === '+tcp' ? /\(TCP\)/ : /\(UDP\)/);
  }
});

test('the pod A record a-b-c-d.<ns>.pod.cluster.local resolves with dig over UDP and over TCP', async (t) => {
  const { port } = await startDns(t);
  for (const transport of ['+notcp', '+tcp']) {
    const r = await dig(port, '10-244-1-5.default.pod.cluster.local', 'A', transport);
    t.is(r.status, 'NOERROR', transport);
    t.deepEqual(r.answer.map((a) => a.data), ['10.244.1.5'], transport);
  }
});

test('dig sees the seed services: ms-hello-svc, the headless ready pods, the SRV of named ports and the PTR of a cluster IP', async (t) => {
  const { port } = await startDns(t);
  t.deepEqual((await dig(port, 'ms-hello-svc.default.svc.cluster.local', 'A')).answer.map((a) => a.data), ['10.96.126.57']);
  t.deepEqual((await dig(port, 'headless-hello-svc.default.svc.cluster.local', 'A')).answer.map((a) => a.data).sort(), ['172.17.0.10', '172.17.0.11']);
  const srv = await dig(port, '_https._tcp.multi.default.svc.cluster.local', 'SRV');
  t.deepEqual(srv.answer, [{ name: '_https._tcp.multi.default.svc.cluster.local.', ttl: 5, type: 'SRV', data: '0 100 443 multi.default.svc.cluster.local.' }]);
  t.deepEqual(srv.additional, [{ name: 'multi.default.svc.cluster.local.', ttl: 5, type: 'A', data: '10.96.10.10' }]);
  const ptr = await dig(port, '', '', '-x', '10.96.126.57');
  t.deepEqual(ptr.answer, [{ name: '57.126.96.10.in-addr.arpa.', ttl: 5, type: 'PTR', data: 'ms-hello-svc.default.svc.cluster.local.' }]);
  const podPtr = await dig(port, '', '', '-x', '172.17.0.10');
  t.deepEqual(podPtr.answer.map((a) => a.data).sort(), ['172-17-0-10.ms-hello-svc.default.svc.cluster.local.', 'web-0.headless-hello-svc.default.svc.cluster.local.']);
});

test('negative answers carry the SOA: NXDOMAIN for an unknown service, NODATA for AAAA of an IPv4 service', async (t) => {
  const { port } = await startDns(t);
  const nx = await dig(port, 'nope.default.svc.cluster.local', 'A');
  t.is(nx.status, 'NXDOMAIN');
  t.is(nx.authority.length, 1);
  t.is(nx.authority[0]!.type, 'SOA');
  t.regex(nx.authority[0]!.data, /^ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 5$/);
  const nodata = await dig(port, 'ms-hello-svc.default.svc.cluster.local', 'AAAA', '+tcp');
  t.is(nodata.status, 'NOERROR');
  t.deepEqual(nodata.answer, []);
  t.is(nodata.authority[0]!.name, 'cluster.local.');
});

test('dig +search with the pod search domain resolves a partial name', async (t) => {
  const { port } = await startDns(t);
  const r = await dig(port, 'ms-hello-svc', 'A', '+search', '+domain=default.svc.cluster.local', '+ndots=5');
  t.deepEqual(r.answer.map((a) => [a.name, a.data]), [['ms-hello-svc.default.svc.cluster.local.', '10.96.126.57']]);
  const twoLabels = await dig(port, 'kube-dns.kube-system', 'A', '+search', '+domain=svc.cluster.local', '+ndots=5');
  t.deepEqual(twoLabels.answer.map((a) => a.data), ['10.96.0.10']);
});

test('a headless service with 100 endpoints is truncated over UDP and complete over TCP; dig retries by itself', async (t) => {
  const { port } = await startDns(t);
  const name = 'big.default.svc.cluster.local';
  const raw = async (udpSize?: number) => {
    const buf = (await udpRaw(port, dnsPacket.encode(query(name, 'A', { udpSize }))))!;
    return { size: buf.length, reply: dnsPacket.decode(buf) };
  };
  const plain = await raw();
  t.true(plain.reply.flag_tc);
  t.true(plain.size <= 512);
  t.true(plain.reply.answers!.length > 20); // compressed names: ~16 bytes per A record
  const edns = await raw(1232);
  t.true(edns.reply.flag_tc);
  t.true(edns.size <= 1232);
  t.true(edns.reply.answers!.length > plain.reply.answers!.length);
  const big = await udp(port, query(name, 'A', { udpSize: 4096 }));
  t.false(big.flag_tc);
  t.is(big.answers!.length, 100);
  const viaTcp = await tcp(port, query(name, 'A'));
  t.false(viaTcp.flag_tc);
  t.is(viaTcp.answers!.length, 100);
  const d = await dig(port, name, 'A', '+notcp', '+bufsize=512');
  t.regex(d.output, /Truncated, retrying in TCP mode/);
  t.is(d.answer.length, 100);
  t.true(d.answer.every((a) => a.ttl === 5 && a.name === `${name}.`));
});

test('AXFR is REFUSED over TCP, as dig shows', async (t) => {
  const { port } = await startDns(t);
  const r = await dig(port, 'cluster.local', 'AXFR');
  t.regex(r.output, /Transfer failed|REFUSED/);
  const raw = await tcp(port, query('cluster.local', 'AXFR'));
  t.is(raw.rcode, 'REFUSED');
});

test('an ExternalName answer carries the CNAME and the target records resolved by the upstream', async (t) => {
  const upstream = await startDns(t, { records: upstreamRecords });
  const { port } = await startDns(t, { upstreamPort: upstream.port });
  for (const transport of ['+notcp', '+tcp']) {
    const r = await dig(port, 'ext-db.default.svc.cluster.local', 'A', transport);
    t.is(r.status, 'NOERROR');
    t.deepEqual(r.flags, ['qr', 'aa', 'rd']);
    t.deepEqual(r.answer, [
      { name: 'ext-db.default.svc.cluster.local.', ttl: 5, type: 'CNAME', data: 'my.database.example.com.' },
      { name: 'my.database.example.com.', ttl: r.answer[1]!.ttl, type: 'A', data: '203.0.113.10' },
    ]);
    t.true(r.answer[1]!.ttl <= 300 && r.answer[1]!.ttl >= 299);
  }
});

test('names outside the zone are forwarded upstream, CNAME chains and NXDOMAIN included', async (t) => {
  const upstream = await startDns(t, { records: upstreamRecords });
  const { port, engine } = await startDns(t, { upstreamPort: upstream.port });
  const www = await dig(port, 'www.example.com', 'A');
  t.is(www.status, 'NOERROR');
  t.false(www.flags.includes('aa'));
  t.true(www.flags.includes('ra'));
  t.deepEqual(www.answer.map((a) => [a.type, a.data]), [['CNAME', 'my.database.example.com.'], ['A', '203.0.113.10']]);
  t.deepEqual((await dig(port, 'example.com', 'TXT', '+tcp')).answer.map((a) => a.data), ['"outside world"']);
  t.is((await dig(port, 'nothing.example.net', 'A')).status, 'NXDOMAIN');
  await dig(port, 'www.example.com', 'A');
  t.true(engine.metrics().cacheEntries >= 2);
  t.true((engine.metrics().queries.NOERROR ?? 0) >= 3);
});

test('a forwarded answer too big for UDP comes back truncated and the forwarder refetches it over TCP', async (t) => {
  const many = Object.fromEntries([['many.example.com', Array.from({ length: 60 }, (_, i) => `A 198.51.100.${i + 1}`)]]);
  const upstream = await startDns(t, { records: many });
  const { port } = await startDns(t, { upstreamPort: upstream.port });
  const r = await tcp(port, query('many.example.com', 'A'));
  t.is(r.rcode, 'NOERROR');
  t.is(r.answers!.length, 60);
  const small = await udp(port, query('many.example.com', 'A'));
  t.true(small.flag_tc);
});

test('a dead upstream makes forwarded names SERVFAIL after the timeout, and cluster names still answer', async (t) => {
  const dead = dgram.createSocket('udp4');
  await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => dead.close());
  const { port } = await startDns(t, { upstreamPort: dead.address().port, upstreamTimeoutMs: 300 });
  const started = Date.now();
  const r = await udp(port, query('www.example.com', 'A'));
  t.is(r.rcode, 'SERVFAIL');
  t.true(Date.now() - started >= 250);
  const ext = await udp(port, query('ext-db.default.svc.cluster.local', 'A'));
  t.is(ext.rcode, 'NOERROR');
  t.deepEqual(ext.answers!.map((a) => a.type), ['CNAME']);
  t.is((await udp(port, query('kubernetes.default.svc.cluster.local', 'A'))).rcode, 'NOERROR');
});

test('the static-zone server answers its file: records, CNAMEs, NODATA for empty parents, NXDOMAIN otherwise', async (t) => {
  const { port } = await startDns(t, { records: upstreamRecords });
  const a = await dig(port, 'my.database.example.com', 'A');
  t.true(a.flags.includes('aa'));
  t.deepEqual(a.answer, [{ name: 'my.database.example.com.', ttl: 300, type: 'A', data: '203.0.113.10' }]);
  const parent = await dig(port, 'database.example.com', 'A');
  t.is(parent.status, 'NOERROR');
  t.deepEqual(parent.answer, []);
  t.is((await dig(port, 'google.com', 'A')).status, 'NXDOMAIN');
  t.is((await dig(port, 'my.database.example.com', 'AAAA')).status, 'NOERROR');
});

test('undecodable packets get FORMERR with their id; too-short packets and responses get no reply', async (t) => {
  const { port } = await startDns(t);
  const good = dnsPacket.encode(query('kubernetes.default.svc.cluster.local', 'A', { id: 4242 }));
  const cut = await udpRaw(port, good.subarray(0, good.length - 3));
  t.truthy(cut);
  const decoded = dnsPacket.decode(cut!) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
  t.is(decoded.id, 4242);
  t.is(decoded.rcode, 'FORMERR');
  t.is(await udpRaw(port, Buffer.from([1, 2, 3]), 300), undefined);
  const response = Buffer.from(good);
  response[2]! |= 0x80;
  t.is(await udpRaw(port, response, 300), undefined);
});

test('several pipelined queries on one TCP connection all get answers', async (t) => {
  const { port } = await startDns(t);
  const names = ['kubernetes', 'ms-hello-svc', 'multi', 'empty', 'nope'].map((s) => `${s}.default.svc.cluster.local`);
  const frames = names.map((n, i) => dnsPacket.streamEncode(query(n, 'A', { id: 100 + i })));
  const replies = (await tcpRaw(port, frames, names.length)).map((b) => dnsPacket.decode(b) as ReturnType<typeof dnsPacket.decode> & { rcode: string });
  t.deepEqual(replies.map((r) => r.id).sort(), [100, 101, 102, 103, 104]);
  t.is(replies.find((r) => r.id === 104)!.rcode, 'NXDOMAIN');
});

test('a query split across TCP segments is reassembled', async (t) => {
  const { port } = await startDns(t);
  const frame = dnsPacket.streamEncode(query('kubernetes.default.svc.cluster.local', 'A', { id: 7 }));
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const conn = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    conn.on('error', reject);
    conn.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        conn.destroy();
        resolve(buf.subarray(2));
      }
    });
    conn.write(frame.subarray(0, 1));
    setTimeout(() => conn.write(frame.subarray(1, 10)), 50);
    setTimeout(() => conn.write(frame.subarray(10)), 100);
  });
  t.is(dnsPacket.decode(reply).id, 7);
});
