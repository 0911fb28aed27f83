// The compressing encoder and fitting replies into UDP datagrams.
import test from 'ava';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import { encodeMessage } from '../../../src/dns/message.js';
import { encodeReply, udpLimit } from '../../../src/dns/wire.js';

const opt: Answer = { name: '.', type: 'OPT', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };

const everyKind: Packet = {
  type: 'response',
  id: 513,
  flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | 3,
  questions: [{ name: 'Web.Default.svc.cluster.local', type: 'A', class: 'IN' }],
  answers: [
    { name: 'Web.Default.svc.cluster.local', type: 'A', ttl: 5, data: '10.96.0.1' },
    { name: 'Web.Default.svc.cluster.local', type: 'AAAA', ttl: 5, data: 'fd00::1' },
    { name: 'web.default.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'my.database.example.com' },
    { name: '1.0.96.10.in-addr.arpa', type: 'PTR', ttl: 5, data: 'kubernetes.default.svc.cluster.local' },
    { name: 'cluster.local', type: 'NS', ttl: 5, data: 'ns.dns.cluster.local' },
    { name: 'example.com', type: 'MX', ttl: 60, data: { preference: 10, exchange: 'mail.example.com' } },
    { name: '_http._tcp.web.default.svc.cluster.local', type: 'SRV', ttl: 5, data: { priority: 0, weight: 50, port: 80, target: 'web-0.web.default.svc.cluster.local' } },
    { name: 'dns-version.cluster.local', type: 'TXT', ttl: 28800, data: '1.1.0' },
    { name: 'odd.example.com', type: 'UNKNOWN_65280' as 'NULL', ttl: 1, data: Buffer.from([1, 2, 3]) },
  ],
  authorities: [{ name: 'cluster.local', type: 'SOA', ttl: 5, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1700000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 } }],
  additionals: [opt],
};

test('compressed messages decode to exactly what dns-packet itself would have encoded', (t) => {
  const ours = dnsPacket.decode(encodeMessage(everyKind));
  const theirs = dnsPacket.decode(dnsPacket.encode(everyKind));
  t.deepEqual(ours, theirs);
  t.true(encodeMessage(everyKind).length < dnsPacket.encode(everyKind).length);
});

test('repeated owner names cost a two-byte pointer and keep the case they were written in', (t) => {
  const name = 'big.default.svc.cluster.local';
  const answers: Answer[] = Array.from({ length: 50 }, (_, i) => ({ name, type: 'A', ttl: 5, data: `10.244.1.${i}` }));
  const buf = encodeMessage({ type: 'response', id: 1, questions: [{ name: 'BIG.default.svc.cluster.local', type: 'A' }], answers });
  t.true(buf.length < 12 + 35 + 50 * 16 + 40);
  const back = dnsPacket.decode(buf);
  t.is(back.questions![0]!.name, 'BIG.default.svc.cluster.local');
  t.true(back.answers!.every((a) => a.name === name));
});

test('the UDP limit is the EDNS0 payload size between 512 and 4096, else 512', (t) => {
  const q = (size?: number) => dnsPacket.decode(dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'a', type: 'A' }], additionals: size ? [{ ...opt, udpPayloadSize: size } as Answer] : [] }));
  t.is(udpLimit(q()), 512);
  t.is(udpLimit(q(100)), 512);
  t.is(udpLimit(q(1232)), 1232);
  t.is(udpLimit(q(65000)), 4096);
});

test('a reply whose answers fit loses its Additional records but not the TC bit', (t) => {
  const target = 'a-long-target-name-for-padding.some-service.default.svc.cluster.local';
  const reply: Packet = {
    type: 'response',
    id: 9,
    questions: [{ name: '_http._tcp.svc.default.svc.cluster.local', type: 'SRV' }],
    answers: [{ name: '_http._tcp.svc.default.svc.cluster.local', type: 'SRV', ttl: 5, data: { priority: 0, weight: 100, port: 80, target } }],
    additionals: Array.from({ length: 40 }, (_, i) => ({ name: `host-${i}.example.net`, type: 'A', ttl: 5, data: `192.0.2.${i}` }) as Answer),
  };
  const buf = encodeReply(reply, 512);
  const back = dnsPacket.decode(buf);
  t.true(buf.length <= 512);
  t.false(back.flag_tc);
  t.is(back.answers!.length, 1);
  t.deepEqual(back.additionals, []);
});

test('a reply whose answers do not fit keeps as many whole records as fit, sets TC and keeps the OPT record', (t) => {
  const answers: Answer[] = Array.from({ length: 300 }, (_, i) => ({ name: 'big.default.svc.cluster.local', type: 'A', ttl: 5, data: `10.244.${i >> 8}.${i & 255}` }));
  const reply: Packet = { type: 'response', id: 9, questions: [{ name: 'big.default.svc.cluster.local', type: 'A' }], answers, additionals: [opt] };
  for (const limit of [512, 1232, 4096]) {
    const buf = encodeReply(reply, limit);
    const back = dnsPacket.decode(buf);
    t.true(buf.length <= limit, `${limit}`);
    t.true(limit - buf.length < 16, `${limit}: ${buf.length}`);
    t.true(back.flag_tc);
    t.deepEqual(back.answers!.map((a) => (a as { data: string }).data), answers.slice(0, back.answers!.length).map((a) => (a as { data: string }).data));
    t.deepEqual(back.additionals!.map((a) => a.type), ['OPT']);
  }
  t.false(dnsPacket.decode(encodeReply(reply, 65535)).flag_tc);
});
