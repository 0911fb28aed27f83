// Forwards names outside our zones to an upstream resolver: UDP first, TCP when
// the answer comes back truncated, a timeout, and a small TTL-bounded cache.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket } from 'dns-packet';

export interface HostPort {
  host: string;
  port: number;
}

/** "1.2.3.4", "1.2.3.4:53", "[fd00::1]:53", "fd00::1" */
export function parseHostPort(text: string, defaultPort: number): HostPort {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? (net.isIPv6(text) ? [text, text] : /^([^:]*)(?::(\d+))?$/.exec(text));
  const port = Number(m?.[2] ?? defaultPort);
  if (!m || !net.isIP(m[1] ?? '') || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad address ${text} (want IP[:port])`);
  return { host: m[1]!, port };
}

export interface Forwarded {
  rcode: string;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export interface ForwarderOptions {
  timeoutMs?: number;
  maxEntries?: number;
}

interface Pending {
  name: string;
  resolve(p: DecodedPacket): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

const MAX_CACHE_TTL = 300;
const NEGATIVE_TTL = 5;
const rcodeOf = (p: DecodedPacket): string => (p as DecodedPacket & { rcode: string }).rcode;

function query(id: number, name: string, type: string): dnsPacket.Packet {
  return {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as dnsPacket.RecordType, class: 'IN' }],
    additionals: [{ name: '.', type: 'OPT', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  };
}

/** How long an upstream answer may be cached: its smallest TTL, or the SOA minimum for negative answers. */
function cacheSeconds(f: Forwarded): number {
  if (f.rcode !== 'NOERROR' && f.rcode !== 'NXDOMAIN') return 0;
  if (f.answers.length) return Math.min(MAX_CACHE_TTL, ...f.answers.map((a) => ('ttl' in a ? (a.ttl ?? 0) : 0)));
  const soa = f.authorities.find((a) => a.type === 'SOA');
  return soa && soa.type === 'SOA' ? Math.min(MAX_CACHE_TTL, soa.ttl ?? 0, soa.data.minimum ?? NEGATIVE_TTL) : NEGATIVE_TTL;
}

function aged(records: Answer[], seconds: number): Answer[] {
  return records.map((r) => ('ttl' in r ? { ...r, ttl: Math.max(0, (r.ttl ?? 0) - seconds) } : r) as Answer);
}

export class Forwarder {
  private socket?: dgram.Socket;
  private readonly pending = new Map<number, Pending>();
  private readonly inflight = new Map<string, Promise<Forwarded>>();
  private readonly cache = new Map<string, { stored: number; expires: number; value: Forwarded }>();
  private readonly timeoutMs: number;
  private readonly maxEntries: number;

  constructor(readonly upstream: HostPort, opts: ForwarderOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.maxEntries = opts.maxEntries ?? 10_000;
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /** The upstream's answer; rejects when the upstream does not answer in time. */
  lookup(name: string, type: string): Promise<Forwarded> {
    const key = `${type} ${name.toLowerCase()}`;
    const hit = this.cache.get(key);
    const now = Date.now();
    if (hit && hit.expires > now) {
      const age = Math.floor((now - hit.stored) / 1000);
      return Promise.resolve({ ...hit.value, answers: aged(hit.value.answers, age), authorities: aged(hit.value.authorities, age), additionals: aged(hit.value.additionals, age) });
    }
    if (hit) this.cache.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.resolve(name, type).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  close(): void {
    for (const [, q] of this.pending) {
      clearTimeout(q.timer);
      q.reject(new Error('forwarder closed'));
    }
    this.pending.clear();
    this.socket?.close();
    this.socket = undefined;
  }

  private async resolve(name: string, type: string): Promise<Forwarded> {
    let reply = await this.udp(name, type);
    if (reply.flag_tc) reply = await this.tcp(name, type);
    const value: Forwarded = {
      rcode: rcodeOf(reply),
      answers: reply.answers ?? [],
      authorities: reply.authorities ?? [],
      additionals: (reply.additionals ?? []).filter((a) => a.type !== 'OPT'),
    };
    const seconds = cacheSeconds(value);
    if (seconds > 0) {
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
      const now = Date.now();
      this.cache.set(`${type} ${name.toLowerCase()}`, { stored: now, expires: now + seconds * 1000, value });
    }
    return value;
  }

  private udpSocket(): dgram.Socket {
    if (this.socket) return this.socket;
    const socket = dgram.createSocket(net.isIPv6(this.upstream.host) ? 'udp6' : 'udp4');
    socket.on('error', () => undefined);
    socket.on('message', (buf) => {
      let reply: DecodedPacket;
      try {
        reply = dnsPacket.decode(buf);
      } catch {
        return;
      }
      const q = reply.id === undefined ? undefined : this.pending.get(reply.id);
      if (!q || reply.type !== 'response' || reply.questions?.[0]?.name.toLowerCase() !== q.name.toLowerCase()) return;
      this.pending.delete(reply.id!);
      clearTimeout(q.timer);
      q.resolve(reply);
    });
    socket.unref();
    return (this.socket = socket);
  }

  private udp(name: string, type: string): Promise<DecodedPacket> {
    const socket = this.udpSocket();
    let id: number;
    do id = Math.floor(Math.random() * 65536);
    while (this.pending.has(id));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`upstream ${this.upstream.host}:${this.upstream.port} timed out`));
      }, this.timeoutMs);
      this.pending.set(id, { name, resolve, reject, timer });
      socket.send(dnsPacket.encode(query(id, name, type)), this.upstream.port, this.upstream.host);
    });
  }

  private tcp(name: string, type: string): Promise<DecodedPacket> {
    return new Promise((resolve, reject) => {
      const id = Math.floor(Math.random() * 65536);
      const conn = net.connect(this.upstream.port, this.upstream.host);
      let buf = Buffer.alloc(0);
      const done = (e?: Error, reply?: DecodedPacket): void => {
        conn.destroy();
        if (reply) resolve(reply);
        else reject(e ?? new Error('upstream closed the connection'));
      };
      conn.setTimeout(this.timeoutMs, () => done(new Error(`upstream ${this.upstream.host}:${this.upstream.port} timed out (tcp)`)));
      conn.on('error', (e) => done(e));
      conn.on('close', () => done());
      conn.on('connect', () => conn.write(dnsPacket.streamEncode(query(id, name, type))));
      conn.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        try {
          const reply = dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
          done(reply.id === id ? undefined : new Error('upstream answered another query'), reply.id === id ? reply : undefined);
        } catch (e) {
          done(e as Error);
        }
      });
    });
  }
}
