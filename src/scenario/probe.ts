// probe.js: run by the scenario runner inside a pod, a node or the outside host
// (`node probe.js '<ProbeSpec JSON>'`); sends the requests from there, one new
// connection each, and prints what happened as JSON. Only Node built-ins and
// dns-packet, so it starts fast wherever it runs.
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import { sleep } from '../util/poll.js';
import type { Attempt, DnsProbe, DnsRecord, DnsResult, HttpProbe, ProbeSpec, SocketProbe } from './probe-spec.js';

const MAX_BODY = 4096;

function timed(run: (done: (a: Omit<Attempt, 'ms'>) => void) => () => void, timeoutMs: number): Promise<Attempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    let finished = false;
    let cleanup: () => void = () => undefined;
    const done = (a: Omit<Attempt, 'ms'>): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      cleanup();
      resolve({ ...a, ms: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => done({ ok: false, error: 'ETIMEDOUT' }), timeoutMs);
    cleanup = run(done);
  });
}

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

function httpOnce(s: HttpProbe): Promise<Attempt> {
  return timed((done) => {
    const req = http.request(s.url, { method: s.method ?? 'GET', agent: false, headers: { 'User-Agent': 'svclab-scenario', Connection: 'close', ...s.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < MAX_BODY) body += d;
      });
      res.on('end', () => done({ ok: true, status: res.statusCode, body: body.slice(0, MAX_BODY) }));
      res.on('error', (e) => done({ ok: false, error: code(e) }));
    });
    req.on('error', (e) => done({ ok: false, error: code(e) }));
    req.end(s.body);
    return () => req.destroy();
  }, s.timeoutMs);
}

/** How long a TCP reply may pause before it counts as complete (echo servers never close). */
const REPLY_QUIET_MS = 150;

function tcpOnce(s: SocketProbe): Promise<Attempt> {
  return timed((done) => {
    const sock = net.connect({ host: s.host, port: s.port, localPort: s.localPort });
    let reply = '';
    let quiet: NodeJS.Timeout | undefined;
    sock.setEncoding('utf8');
    // No half-close after sending: proxies that relay in userspace close both ways on the first FIN.
    sock.on('connect', () => (s.send === undefined ? done({ ok: true }) : sock.write(s.send)));
    sock.on('data', (d: string) => {
      if (reply.length < MAX_BODY) reply += d;
      clearTimeout(quiet);
      quiet = setTimeout(() => done({ ok: true, body: reply }), REPLY_QUIET_MS);
    });
    sock.on('end', () => done({ ok: true, body: reply }));
    sock.on('error', (e) => done({ ok: false, error: code(e) }));
    return () => {
      clearTimeout(quiet);
      sock.destroy();
    };
  }, s.timeoutMs);
}

function udpOnce(s: SocketProbe): Promise<Attempt> {
  return timed((done) => {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (m) => done({ ok: true, body: m.toString('utf8').slice(0, MAX_BODY) }));
    // A connected UDP socket hears ICMP port unreachable as ECONNREFUSED.
    sock.on('error', (e) => done({ ok: false, error: code(e) }));
    const connect = (): void => sock.connect(s.port, s.host, () => sock.send(s.send ?? ''));
    if (s.localPort) sock.bind(s.localPort, connect);
    else connect();
    return () => {
      try {
        sock.close();
      } catch {
        /* already closed */
      }
    };
  }, s.timeoutMs);
}

// ---- DNS ----

interface ResolvConf {
  nameserver?: string;
  search: string[];
  ndots: number;
}

function resolvConf(): ResolvConf {
  const conf: ResolvConf = { search: [], ndots: 1 };
  let text = '';
  try {
    text = fs.readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return conf;
  }
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key === 'nameserver' && !conf.nameserver) conf.nameserver = rest[0];
    if (key === 'search' || key === 'domain') conf.search = rest;
    if (key === 'options') for (const o of rest) if (o.startsWith('ndots:')) conf.ndots = Number(o.slice(6));
  }
  return conf;
}

function reverseName(ip: string): string | undefined {
  return net.isIPv4(ip) ? `${ip.split('.').reverse().join('.')}.in-addr.arpa` : undefined;
}

/** Names a stub resolver would try, in order. */
function candidates(name: string, conf: ResolvConf, search: boolean): string[] {
  if (name.endsWith('.') || !search) return [name.replace(/\.$/, '')];
  const expanded = conf.search.map((d) => `${name}.${d}`);
  return name.split('.').length - 1 >= conf.ndots ? [name, ...expanded] : [...expanded, name];
}

function rdata(a: { type: string; data?: unknown }): string {
  const d = a.data as Record<string, unknown> | string | Buffer[] | undefined;
  switch (a.type) {
    case 'SRV': {
      const s = d as { priority: number; weight: number; port: number; target: string };
      return `${s.priority} ${s.weight} ${s.port} ${s.target}`;
    }
    case 'MX': {
      const m = d as { preference: number; exchange: string };
      return `${m.preference} ${m.exchange}`;
    }
    case 'TXT':
      return (Array.isArray(d) ? d : [d]).map((x) => String(x)).join('');
    case 'SOA': {
      const s = d as { mname: string; rname: string; serial: number };
      return `${s.mname} ${s.rname} ${s.serial}`;
    }
    default:
      return typeof d === 'string' ? d : JSON.stringify(d);
  }
}

/** "ip" or "ip:port" (default port 53). */
function exchange(server: string, query: Buffer, tcp: boolean, timeoutMs: number): Promise<Buffer> {
  const [host, port] = server.includes(':') ? [server.slice(0, server.lastIndexOf(':')), Number(server.slice(server.lastIndexOf(':') + 1))] : [server, 53];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(Object.assign(new Error('ETIMEDOUT'), { code: 'ETIMEDOUT' })), timeoutMs);
    let close: () => void = () => undefined;
    const fail = (e: Error): void => {
      clearTimeout(timer);
      close();
      reject(e);
    };
    if (tcp) {
      const sock = net.connect({ host, port });
      close = () => sock.destroy();
      let buf = Buffer.alloc(0);
      sock.on('connect', () => sock.write(Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query])));
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          clearTimeout(timer);
          close();
          resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        }
      });
      sock.on('error', fail);
    } else {
      const sock = dgram.createSocket('udp4');
      close = () => sock.close();
      sock.on('message', (m) => {
        clearTimeout(timer);
        close();
        resolve(m);
      });
      sock.on('error', fail);
      sock.send(query, port, host);
    }
  });
}

async function ask(server: string, name: string, type: string, tcp: boolean, timeoutMs: number): Promise<Packet & { rcode?: string }> {
  const query = dnsPacket.encode({ type: 'query', id: Math.floor(Math.random() * 65535), flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: type as 'A', name }] });
  let reply = dnsPacket.decode(await exchange(server, query, tcp, timeoutMs)) as Packet & { rcode?: string };
  // Truncated over UDP: ask again over TCP, as resolvers do.
  if (!tcp && ((reply.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE)) reply = dnsPacket.decode(await exchange(server, query, true, timeoutMs)) as typeof reply;
  return reply;
}

async function dnsQuery(s: DnsProbe): Promise<DnsResult> {
  const started = performance.now();
  const conf = resolvConf();
  const server = s.server ?? conf.nameserver ?? '127.0.0.1';
  const reverse = s.type === 'PTR' ? reverseName(s.name) : undefined;
  const names = reverse ? [reverse] : candidates(s.name, conf, s.search);
  let last: DnsResult = { server, name: names[0]!, rcode: 'NOERROR', answers: [], ms: 0 };
  for (const name of names) {
    try {
      const reply = await ask(server, name, s.type, s.tcp ?? false, s.timeoutMs);
      const answers: DnsRecord[] = (reply.answers ?? []).map((a) => ({ name: a.name, type: a.type, data: rdata(a as { type: string; data?: unknown }) }));
      last = { server, name, rcode: reply.rcode ?? 'NOERROR', answers, ms: 0 };
      if (last.rcode === 'NOERROR' && answers.length > 0) break;
    } catch (e) {
      last = { server, name, rcode: 'NONE', answers: [], error: code(e), ms: 0 };
    }
  }
  return { ...last, ms: Math.round(performance.now() - started) };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as ProbeSpec;
  if (spec.kind === 'dns') {
    process.stdout.write(JSON.stringify(await dnsQuery(spec)) + '\n');
    return;
  }
  const attempts: Attempt[] = [];
  for (let i = 0; i < spec.count; i++) {
    if (i > 0 && spec.intervalMs) await sleep(spec.intervalMs);
    if (spec.kind === 'http') attempts.push(await httpOnce(spec));
    else if (spec.kind === 'tcp') attempts.push(await tcpOnce(spec));
    else attempts.push(await udpOnce(spec));
  }
  process.stdout.write(JSON.stringify({ attempts }) + '\n');
}

await main();
process.exit(0);
