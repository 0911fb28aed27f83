// How the API server reaches a node's kubelet: its unix socket in the API server's state dir when
// the node runs on this machine (the fast path), otherwise as upstream does, TLS to <node IP>:10250
// (the kubelet's serving certificate verified against the lab CA and the node's IP, the API server
// presenting its apiserver-kubelet-client certificate), through the egress selector's HTTP-CONNECT
// proxy: the router's egress socket, since this machine's own namespace cannot route to the nodes.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { types } from '../../api/resources.js';
import type { Node } from '../../api/types.js';
import type { Registry } from '../registry.js';
import { kubeletPort } from '../../net/ports.js';

export interface KubeletEgress {
  /** The HTTP-CONNECT proxy's unix socket (--egress-socket). */
  socket: string;
  /** --kubelet-certificate-authority, --kubelet-client-certificate, --kubelet-client-key. */
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** A connection speaking HTTP to the named node's kubelet. */
export type KubeletDialer = (node: string) => Promise<Duplex>;

function connectUnix(socketPath: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** A tunnel to target opened by the egress proxy (HTTP CONNECT). */
export function connectThrough(proxySocket: string, target: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: proxySocket, method: 'CONNECT', path: target, headers: { host: target } });
    req.on('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        const body: Buffer[] = [head];
        socket.on('data', (d: Buffer) => body.push(d));
        socket.on('close', () => reject(new Error(`egress proxy: ${res.statusCode} ${Buffer.concat(body).toString().trim() || res.statusMessage}`)));
        socket.on('error', () => undefined);
        return;
      }
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.on('error', (e) => reject(new Error(`egress proxy: ${e.message}`)));
    req.end();
  });
}

function tlsOver(socket: Duplex, ip: string, egress: KubeletEgress): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    // No SNI for an address; the kubelet's certificate must name the node's IP.
    const s = tls.connect({ socket, host: ip, servername: '', ca: egress.ca, cert: egress.cert, key: egress.key });
    s.once('secureConnect', () => resolve(s));
    s.once('error', (e) => {
      socket.destroy();
      reject(e);
    });
  });
}

/** The kubelet's address as the Node reports it: InternalIP, and daemonEndpoints' port (else 10250). */
function kubeletAddress(registry: Registry, node: string): { ip: string; port: number } {
  const n = registry.get(types.nodes, undefined, node) as Node;
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) throw new Error(`node ${node} has no InternalIP address`);
  return { ip, port: n.status?.daemonEndpoints?.kubeletEndpoint?.Port || kubeletPort };
}

export function kubeletDialer(registry: Registry, socketDir: string, egress?: KubeletEgress): KubeletDialer {
  return async (node) => {
    const local = path.join(socketDir, `${node}.sock`);
    if (fs.existsSync(local)) return connectUnix(local);
    if (!egress) {
      throw new Error(
        `node ${node}'s kubelet has no socket on this machine and this API server has no egress to the node network: the node's agent has not started, or the node runs on another machine (a joined control plane's API server reaches only its own machine's kubelets; use the API server of the machine that ran lab up)`,
      );
    }
    const { ip, port } = kubeletAddress(registry, node);
    return tlsOver(await connectThrough(egress.socket, `${ip}:${port}`), ip, egress);
  };
}
