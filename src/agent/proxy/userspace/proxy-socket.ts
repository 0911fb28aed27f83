// One proxy socket per service port: TCP connections are spliced to an
// endpoint, trying the next one when a dial fails (250 ms, 500 ms, 1 s, 2 s
// timeouts, as the userspace kube-proxy); UDP gets a per-client upstream
// socket that lives while the client keeps talking (idle timeout).
import dgram from 'node:dgram';
import net from 'node:net';
import type { RoundRobin, Target } from './balancer.js';

const dialTimeoutsMs = [250, 500, 1000, 2000];

function dial(t: Target, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: t.ip, port: t.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('dial timeout'));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export interface ProxySocket {
  readonly port: number;
  close(): void;
}

export function tcpProxy(balancer: RoundRobin, port = 0): Promise<ProxySocket> {
  const server = net.createServer({ pauseOnConnect: true }, async (client) => {
    client.on('error', () => undefined);
    const who = client.remoteAddress ?? '';
    const tried = new Set<string>();
    for (const timeout of dialTimeoutsMs) {
      const t = balancer.pick(who, tried);
      if (!t) break;
      try {
        const upstream = await dial(t, timeout);
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        return;
      } catch {
        tried.add(`${t.ip}:${t.port}`);
        balancer.failed(who);
      }
    }
    client.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => server.close() }));
  });
}

export function udpProxy(balancer: RoundRobin, idleMs: number, port = 0): Promise<ProxySocket> {
  const sock = dgram.createSocket('udp4');
  const clients = new Map<string, { upstream: dgram.Socket; timer?: NodeJS.Timeout; connected: boolean; queue: Buffer[] }>();
  sock.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let c = clients.get(key);
    if (!c) {
      const t = balancer.pick(rinfo.address, new Set());
      if (!t) return;
      const upstream = dgram.createSocket('udp4');
      upstream.on('message', (reply) => sock.send(reply, rinfo.port, rinfo.address));
      upstream.on('error', () => undefined);
      const entry = { upstream, connected: false, queue: [] as Buffer[] };
      upstream.connect(t.port, t.ip, () => {
        entry.connected = true;
        for (const m of entry.queue.splice(0)) upstream.send(m);
      });
      c = entry;
      clients.set(key, c);
    }
    const entry = c;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.upstream.close();
      clients.delete(key);
    }, idleMs);
    if (entry.connected) entry.upstream.send(msg);
    else entry.queue.push(msg);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, '0.0.0.0', () =>
      resolve({
        port: sock.address().port,
        close: () => {
          for (const c of clients.values()) {
            clearTimeout(c.timer);
            c.upstream.close();
          }
          sock.close();
        },
      }),
    );
  });
}
