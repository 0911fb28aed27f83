// Thousands of random and mutated packets, in process and over UDP and TCP: the
// server must never crash, every reply must decode, and it must still answer.
import test from 'ava';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { poll } from '../../../src/util/poll.js';
import { query, startDns, tcp, udp } from './fixtures.js';

/** A seeded PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const seeds = [
  query('kubernetes.default.svc.cluster.local', 'A'),
  query('big.default.svc.cluster.local', 'A', { udpSize: 1232 }),
  query('_http._tcp.headless-hello-svc.default.svc.cluster.local', 'SRV'),
  query('57.126.96.10.in-addr.arpa', 'PTR'),
  query('ext-db.default.svc.cluster.local', 'A', { udpSize: 4096 }),
  query('10-244-1-5.default.pod.cluster.local', 'AAAA'),
  query('cluster.local', 'AXFR'),
  query('www.example.com', 'A'),
].map((p) => dnsPacket.encode(p));

function fuzzCase(rand: () => number): Buffer {
  const int = (n: number): number => Math.floor(rand() * n);
  const random = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const base = Buffer.from(seeds[int(seeds.length)]!);
  switch (int(7)) {
    case 0:
      return random(int(600));
    case 1: {
      for (let i = 0, n = 1 + int(8); i < n; i++) base[int(base.length)]! ^= 1 << int(8);
      return base;
    }
    case 2:
      return base.subarray(0, int(base.length));
    case 3: {
      const at = int(base.length);
      return Buffer.concat([base.subarray(0, at), random(int(40)), base.subarray(at)]);
    }
    case 4: {
      for (let i = 4; i < 12; i++) base[i] = int(256);
      return base;
    }
    case 5: {
      // A compression pointer pointing at itself or forward.
      const at = 12 + int(Math.max(1, base.length - 14));
      base[at] = 0xc0;
      base[at + 1] = int(2) ? at : int(256);
      return base;
    }
    default: {
      base[2] = int(256);
      base[3] = int(256);
      return base;
    }
  }
}

test('the engine answers thousands of random and mutated packets without throwing, and every reply decodes', async (t) => {
  const { engine } = await startDns(t);
  const seed = Date.now() >>> 0;
  const rand = prng(seed);
  let replies = 0;
  for (let i = 0; i < 5000; i++) {
    const input = fuzzCase(rand);
    const out = await engine.respond(input, i % 2 ? 'udp' : 'tcp');
    if (!out) continue;
    replies++;
    const reply = dnsPacket.decode(out);
    t.is(reply.type, 'response', `seed ${seed} case ${i}`);
    t.is(reply.id, input.readUInt16BE(0), `seed ${seed} case ${i}`);
    if (i % 2) t.true(out.length <= 4096, `seed ${seed} case ${i}`);
  }
  t.true(replies > 1000);
});

test('a flood of fuzzed UDP datagrams leaves the server answering correctly', async (t) => {
  const { port, engine } = await startDns(t);
  const rand = prng(7);
  const socket = dgram.createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  for (let i = 0; i < 3000; i++) {
    await new Promise<void>((r) => socket.send(fuzzCase(rand), port, '127.0.0.1', () => r()));
  }
  socket.close();
  // The kernel drops what overflows the socket buffer; wait until the server has drained the rest.
  const answered = (): number => Object.values(engine.metrics().queries).reduce((a, b) => a + b, 0);
  let last = -1;
  await poll(() => {
    const now = answered();
    const drained = now === last;
    last = now;
    return drained;
  }, { timeoutMs: 60_000, everyMs: 100 });
  t.true(answered() > 100);
  const r = await udp(port, query('kubernetes.default.svc.cluster.local', 'A'));
  t.is(r.rcode, 'NOERROR');
  t.deepEqual(r.answers!.map((a) => (a as { data: string }).data), ['10.96.0.1']);
});

test('garbage, bad length prefixes and half-sent frames over TCP leave the server answering correctly', async (t) => {
  const { port } = await startDns(t);
  const rand = prng(11);
  const sessions = Array.from({ length: 200 }, (_, i) => new Promise<void>((resolve) => {
    const conn = net.connect(port, '127.0.0.1');
    conn.on('error', () => resolve());
    conn.on('close', () => resolve());
    conn.on('data', () => undefined);
    conn.on('connect', () => {
      const frames = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => {
        const body = fuzzCase(rand);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(rand() < 0.8 ? body.length : Math.floor(rand() * 65536));
        return Buffer.concat([len, body]);
      });
      conn.end(i % 3 === 0 ? Buffer.concat(frames).subarray(0, 1) : Buffer.concat(frames));
      setTimeout(() => conn.destroy(), 200);
    });
  }));
  await Promise.all(sessions);
  const r = await tcp(port, query('headless-hello-svc.default.svc.cluster.local', 'A'));
  t.is(r.rcode, 'NOERROR');
  t.is(r.answers!.length, 2);
  t.is((await udp(port, query('nope.default.svc.cluster.local', 'A'))).rcode, 'NXDOMAIN');
});
