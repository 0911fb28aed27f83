// The API server's way onto the node network, as upstream's egress selector with konnectivity in
// HTTP-CONNECT mode: the router (which lives on the node network) serves CONNECT on a root-only
// unix socket in the lab's state dir and opens only connections to a Node's address on the kubelet
// port; anything else gets 403. The API server then speaks TLS to the kubelet through the tunnel.
import fs from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { openTunnel } from '../net/tunnel.js';
import { kubeletPort } from '../net/ports.js';


export type EgressDecision = { allow: true; host: string; port: number } | { allow: false; code: 400 | 403; message: string };

/** Pure: may the API server reach this CONNECT target? Only <a Node's IP>:10250. */
export function egressDecision(target: string, nodeIPs: ReadonlySet<string>): EgressDecision {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(target);
  if (!m) return { allow: false, code: 400, message: `bad CONNECT target ${JSON.stringify(target)}: want IP:PORT` };
  const [, host, port] = m;
  if (Number(port) !== kubeletPort) return { allow: false, code: 403, message: `egress to ${target} refused: only kubelets (port ${kubeletPort}) are reachable` };
  if (!nodeIPs.has(host!)) return { allow: false, code: 403, message: `egress to ${target} refused: ${host} is not a Node's address` };
  return { allow: true, host: host!, port: Number(port) };
}

function refuse(socket: Duplex, code: number, message: string): void {
  socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? ''}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${message}\n`);
}

export function startEgressProxy(socketPath: string, nodeIPs: () => ReadonlySet<string>): http.Server {
  const server = http.createServer((_req, res) => {
    res.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'CONNECT' });
    res.end('only CONNECT is served here\n');
  });
  server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined); // a client gone before the answer
    const d = egressDecision(req.url ?? '', nodeIPs());
    if (!d.allow) return refuse(socket, d.code, d.message);
    openTunnel(socket, head, d.host, d.port);
  });
  if (fs.existsSync(socketPath)) fs.unlinkSync(socketPath);
  server.listen(socketPath, () => fs.chmodSync(socketPath, 0o600));
  return server;
}
