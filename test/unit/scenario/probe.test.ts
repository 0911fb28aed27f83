// probe.js run for real against servers on 127.0.0.1 (no namespaces needed).
import test from 'ava';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { execa } from 'execa';
import { probeArgv, type Attempt, type DnsResult, type ProbeSpec } from '../../../src/scenario/probe-spec.js';

async function probe<T>(spec: ProbeSpec): Promise<T> {
  const [cmd, ...args] = probeArgv(spec);
  return JSON.parse((await execa(cmd!, args)).stdout) as T;
}

function listen(server: net.Server | http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

test('http: one new connection per request, with status and body', async (t) => {
  const ports = new Set<number>();
  const server = http.createServer((req, res) => {
    ports.add(req.socket.remotePort!);
    res.writeHead(req.url === '/missing' ? 404 : 200);
    res.end(`hi ${req.headers['x-who']}`);
  });
  const port = await listen(server);
  t.teardown(() => server.close());
  const { attempts } = await probe<{ attempts: Attempt[] }>({ kind: 'http', url: `http://127.0.0.1:${port}/`, headers: { 'x-who': 'me' }, count: 3, timeoutMs: 2000 });
  t.deepEqual(attempts.map((a) => [a.ok, a.status, a.body]), [[true, 200, 'hi me'], [true, 200, 'hi me'], [true, 200, 'hi me']]);
  t.is(ports.size, 3);
  const missing = await probe<{ attempts: Attempt[] }>({ kind: 'http', url: `http://127.0.0.1:${port}/missing`, count: 1, timeoutMs: 2000 });
  t.is(missing.attempts[0]!.status, 404);
});

test('tcp: refused, and a reply read without half-closing first (as a relaying proxy needs)', async (t) => {
  // Like a userspace proxy: the first FIN from the client closes everything.
  const server = net.createServer({ allowHalfOpen: false }, (s) => {
    s.on('data', (d) => setTimeout(() => s.writable && s.write(`echo:${d}`), 20));
    s.on('end', () => s.destroy());
  });
  const port = await listen(server);
  t.teardown(() => server.close());
  const { attempts } = await probe<{ attempts: Attempt[] }>({ kind: 'tcp', host: '127.0.0.1', port, send: 'whoami', count: 2, timeoutMs: 2000 });
  t.deepEqual(attempts.map((a) => [a.ok, a.body]), [[true, 'echo:whoami'], [true, 'echo:whoami']]);
  const closed = await probe<{ attempts: Attempt[] }>({ kind: 'tcp', host: '127.0.0.1', port: 1, count: 1, timeoutMs: 2000 });
  t.is(closed.attempts[0]!.error, 'ECONNREFUSED');
});

test('udp: a reply, or refused when nothing listens, or a timeout when nothing answers', async (t) => {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  sock.on('message', (m, from) => m.toString() === 'ping' && sock.send('pong', from.port, from.address));
  t.teardown(() => sock.close());
  const port = sock.address().port;
  const answered = await probe<{ attempts: Attempt[] }>({ kind: 'udp', host: '127.0.0.1', port, send: 'ping', count: 1, timeoutMs: 2000 });
  t.deepEqual([answered.attempts[0]!.ok, answered.attempts[0]!.body], [true, 'pong']);
  const silent = await probe<{ attempts: Attempt[] }>({ kind: 'udp', host: '127.0.0.1', port, send: 'quiet', count: 1, timeoutMs: 300 });
  t.is(silent.attempts[0]!.error, 'ETIMEDOUT');
  const dead = dgram.createSocket('udp4');
  await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r()));
  const deadPort = dead.address().port;
  dead.close();
  const refused = await probe<{ attempts: Attempt[] }>({ kind: 'udp', host: '127.0.0.1', port: deadPort, send: 'x', count: 1, timeoutMs: 2000 });
  t.is(refused.attempts[0]!.error, 'ECONNREFUSED');
});

test('dns: a query to a given server, with SRV records written like dig prints them', async (t) => {
  const server = dgram.createSocket('udp4');
  server.on('message', (m, from) => {
    const q = dnsPacket.decode(m);
    const name = q.questions![0]!.name;
    const answers = name === 'web.example'
      ? [{ type: 'A' as const, name, data: '10.0.0.7' }]
      : name === '_http._tcp.web.example'
        ? [{ type: 'SRV' as const, name, data: { priority: 0, weight: 50, port: 8080, target: 'a.web.example' } }]
        : [];
    const reply = dnsPacket.encode({ type: 'response', id: q.id, flags: answers.length ? 0 : 3, questions: q.questions, answers });
    server.send(reply, from.port, from.address);
  });
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  const at = `127.0.0.1:${server.address().port}`;
  t.teardown(() => server.close());
  const a = await probe<DnsResult>({ kind: 'dns', name: 'web.example', type: 'A', server: at, search: false, timeoutMs: 2000 });
  t.deepEqual([a.rcode, a.answers.map((x) => x.data)], ['NOERROR', ['10.0.0.7']]);
  const srv = await probe<DnsResult>({ kind: 'dns', name: '_http._tcp.web.example', type: 'SRV', server: at, search: false, timeoutMs: 2000 });
  t.deepEqual(srv.answers.map((x) => x.data), ['0 50 8080 a.web.example']);
  const none = await probe<DnsResult>({ kind: 'dns', name: 'nope.example', type: 'A', server: at, search: false, timeoutMs: 2000 });
  t.is(none.rcode, 'NXDOMAIN');
});
