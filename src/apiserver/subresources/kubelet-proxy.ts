// pods/log, pods/exec, pods/attach and pods/portforward: found the pod's node, then proxied
// to that node's kubelet (kubelet-dial.ts: its socket, or TLS through the egress proxy). The streaming ones are HTTP upgrades
// (WebSocket, or SPDY for port-forward), passed through byte for byte once the kubelet has
// accepted them.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, type Status } from '../../api/errors.js';
import { types } from '../../api/resources.js';
import type { Pod } from '../../api/types.js';
import type { Registry } from '../registry.js';
import type { ResourceRequest, SubresourceHandler } from '../server.js';
import type { KubeletDialer } from './kubelet-dial.js';

interface Target {
  node: string;
  container: string;
}

function nodeOf(pod: Pod): string {
  if (!pod.spec.nodeName) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  return pod.spec.nodeName;
}

/** The kubelet, or the error the client sees. */
async function dialKubelet(dial: KubeletDialer, node: string): Promise<Duplex> {
  try {
    return await dial(node);
  } catch (e) {
    throw badRequest(`the node's kubelet did not answer: ${(e as Error).message}`);
  }
}

function target(registry: Registry, r: ResourceRequest & { name: string }, query: URLSearchParams): Target {
  const pod = registry.get(types.pods, r.namespace, r.name) as Pod;
  if (r.subresource === 'portforward') return { node: nodeOf(pod), container: '' };
  const names = pod.spec.containers.map((c) => c.name);
  let container = query.get('container') ?? '';
  if (!container) {
    if (names.length !== 1) throw badRequest(`a container name must be specified for pod ${r.name}, choose one of: [${names.join(' ')}]`);
    container = names[0]!;
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${r.name}`);
  const node = nodeOf(pod);
  const waiting = pod.status?.containerStatuses?.find((c) => c.name === container)?.state.waiting;
  if (waiting && !query.has('previous')) {
    throw badRequest(`container "${container}" in pod "${r.name}" is waiting to start: ${waiting.reason === 'ContainerCreating' || !waiting.reason ? 'ContainerCreating' : waiting.reason === 'ErrImagePull' || waiting.reason === 'ImagePullBackOff' ? 'trying and failing to pull image' : waiting.reason}`);
  }
  return { node, container };
}

function kubeletPath(kind: string, r: ResourceRequest & { name: string }, container: string, query: URLSearchParams): string {
  const q = new URLSearchParams(query);
  q.delete('container');
  const tail = container ? `/${encodeURIComponent(container)}` : '';
  return `/${kind}/${encodeURIComponent(r.namespace!)}/${encodeURIComponent(r.name)}${tail}?${q}`;
}

export function logHandler(registry: Registry, dial: KubeletDialer): SubresourceHandler {
  return async (r, req, res, query) => {
    const t = target(registry, r, query);
    const conn = await dialKubelet(dial, t.node);
    return new Promise<void>((resolve, reject) => {
      const up = http.request({ createConnection: () => conn as never, headers: { host: 'kubelet' }, path: kubeletPath('containerLogs', r, t.container, query), method: 'GET' }, (kr) => {
        if ((kr.statusCode ?? 500) >= 400) {
          const chunks: Buffer[] = [];
          kr.on('data', (c: Buffer) => chunks.push(c));
          kr.on('end', () => reject(badRequest(Buffer.concat(chunks).toString().trim())));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
        kr.pipe(res);
        kr.on('end', resolve);
      });
      up.on('error', (e) => reject(badRequest(`the node's kubelet did not answer: ${e.message}`)));
      req.on('close', () => up.destroy());
      up.end();
    });
  };
}

function rejectUpgrade(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  socket.end(`HTTP/1.1 ${status.code} ${http.STATUS_CODES[status.code] ?? ''}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** The kubelet's path for each streaming subresource. */
const kubeletKinds: Record<string, string> = { exec: 'exec', attach: 'attach', portforward: 'portForward' };

/** The HTTP upgrade of pods/<name>/exec|attach|portforward: re-sent to the kubelet, then piped both ways. */
export async function streamUpgrade(dial: KubeletDialer, registry: Registry, r: ResourceRequest & { name: string }, req: http.IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams): Promise<void> {
  let t: Target;
  let upstream: Duplex;
  try {
    t = target(registry, r, query);
    upstream = await dialKubelet(dial, t.node);
  } catch (e) {
    if (e instanceof ApiError) return rejectUpgrade(socket, e.status);
    throw e;
  }
  {
    const lines = [`${req.method} ${kubeletPath(kubeletKinds[r.subresource ?? ''] ?? 'exec', r, t.container, query)} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  }
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
  socket.on('close', () => upstream.destroy());
  upstream.on('close', () => socket.destroy());
}
