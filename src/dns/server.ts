// UDP and TCP listeners on one address and port, handing every message to the
// answer engine. TCP connections carry length-prefixed messages (RFC 1035
// 4.2.2), possibly several, answered as they complete.
import dgram from 'node:dgram';
import net from 'node:net';
import type { AnswerEngine } from './engine.js';
import type { HostPort } from './forwarder.js';

export interface DnsServerOptions {
  host?: string;
  /** 0 picks a free port, the same for UDP and TCP. */
  port?: number;
  tcpIdleMs?: number;
}

const BIND_ATTEMPTS = 20;

export class DnsServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly connections = new Set<net.Socket>();
  private bound?: HostPort;

  constructor(readonly engine: AnswerEngine, private readonly opts: DnsServerOptions = {}) {}

  get address(): HostPort {
    if (!this.bound) throw new Error('dns server is not listening');
    return this.bound;
  }

  async listen(): Promise<HostPort> {
    const host = this.opts.host ?? '0.0.0.0';
    for (let attempt = 1; ; attempt++) {
      const udp = await this.bindUdp(host, this.opts.port ?? 53);
      const port = udp.address().port;
      try {
        this.tcp = await this.listenTcp(host, port);
        this.udp = udp;
        return (this.bound = { host, port });
      } catch (e) {
        udp.close();
        // With port 0 the free UDP port may be taken for TCP: try another.
        if ((this.opts.port ?? 53) !== 0 || attempt >= BIND_ATTEMPTS) throw e;
      }
    }
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
    ]);
    this.tcp = this.udp = undefined;
  }

  private bindUdp(host: string, port: number): Promise<dgram.Socket> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', (e) => console.error('dns: udp socket error:', e.message));
        socket.on('message', (msg, peer) => {
          void this.engine.respond(msg, 'udp').then((out) => {
            if (out && this.udp === socket) socket.send(out, peer.port, peer.address, () => undefined);
          });
        });
        resolve(socket);
      });
    });
  }

  private listenTcp(host: string, port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((conn) => this.serveConnection(conn));
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  private serveConnection(conn: net.Socket): void {
    this.connections.add(conn);
    conn.setNoDelay(true);
    conn.setTimeout(this.opts.tcpIdleMs ?? 10_000, () => conn.destroy());
    conn.on('error', () => undefined);
    conn.on('close', () => this.connections.delete(conn));
    let pending = Buffer.alloc(0);
    conn.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const msg = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + msg.length);
        void this.engine.respond(msg, 'tcp').then((out) => {
          if (!out || conn.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          conn.write(Buffer.concat([len, out]));
        });
      }
    });
  }
}
