// The far end of an HTTP CONNECT tunnel: dial host:port (10 s), answer 200 and pipe both ways, or
// answer 502 with Go's words for the failed dial as the reason (what the API server's proxy reports).
import net from 'node:net';
import type { Duplex } from 'node:stream';

function dialFailure(e: NodeJS.ErrnoException): string {
  const why: Record<string, string> = { ECONNREFUSED: 'connect: connection refused', EHOSTUNREACH: 'connect: no route to host', ETIMEDOUT: 'i/o timeout', ENETUNREACH: 'connect: network is unreachable' };
  return why[e.code ?? ''] ?? e.message;
}

export function openTunnel(socket: Duplex, head: Buffer, host: string, port: number): void {
  const upstream = net.connect(port, host);
  upstream.setTimeout(10_000, () => upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
  let connected = false;
  upstream.once('connect', () => {
    connected = true;
    upstream.setTimeout(0);
    socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.once('error', (e: NodeJS.ErrnoException) => {
    if (!connected) return void socket.end(`HTTP/1.1 502 dial tcp ${host}:${port}: ${dialFailure(e)}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  });
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => upstream.destroy());
}
