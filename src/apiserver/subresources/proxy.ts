// services/NAME[:PORT]/proxy/PATH and pods/NAME[:PORT]/proxy/PATH (also "https:NAME:PORT"):
// upstream's ResourceLocation picks the address (a ready pod endpoint of the service, or the
// pod's IP), then the request is proxied there. The API server runs on the host, outside the
// lab's networks: the connection is opened by the kubelet of the pod's node, from inside that
// node's network namespace (a CONNECT on the kubelet socket), never by a host route.
import http from 'node:http';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, serviceUnavailable } from '../../api/errors.js';
import { types } from '../../api/resources.js';
import type { Endpoints, Pod, Service } from '../../api/types.js';
import type { Registry } from '../registry.js';
import type { KubeletDialer } from './kubelet-dial.js';

export interface ProxyRequest {
  namespace: string;
  kind: 'services' | 'pods';
  /** NAME, NAME:PORT or SCHEME:NAME:PORT */
  id: string;
  /** What follows .../proxy (undefined: nothing, not even a slash). */
  rest: string | undefined;
  /** .../NAME/proxy, what the backend's absolute paths are rewritten under. */
  prefix: string;
}

const PATH = /^(\/api\/v1\/namespaces\/([^/]+)\/(services|pods)\/([^/]+)\/proxy)(\/.*)?$/;

export function parseProxyPath(pathname: string): ProxyRequest | undefined {
  const m = PATH.exec(pathname);
  if (!m) return undefined;
  return { prefix: m[1]!, namespace: decodeURIComponent(m[2]!), kind: m[3] as 'services' | 'pods', id: decodeURIComponent(m[4]!), rest: m[5] };
}

/** "name", "name:port", "https:name:port" -> parts (upstream's net.SplitSchemeNamePort). */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) [name, port] = parts as [string, string];
  else if (parts.length === 3) [scheme, name, port] = parts as [string, string, string];
  else return undefined;
  if (!name || (scheme && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme, name, port };
}

export interface Location {
  scheme: 'http' | 'https';
  ip: string;
  port: number;
  /** The node whose kubelet opens the connection. */
  node: string;
}

function pick<T>(items: T[]): T[] {
  const start = Math.floor(Math.random() * items.length);
  return items.map((_, i) => items[(start + i) % items.length]!);
}

/** Upstream's service ResourceLocation: a random ready address of a subset that has the port. */
function serviceLocation(registry: Registry, namespace: string, id: string): Location {
  const parts = splitSchemeNamePort(id);
  if (!parts) throw badRequest(`invalid service request "${id}"`);
  const svc = registry.get(types.services, namespace, parts.name) as Service;
  let portName = parts.port;
  if (/^\d+$/.test(portName)) {
    const found = svc.spec.ports?.find((p) => p.port === Number(portName));
    if (!found) throw serviceUnavailable(`no service port ${portName} found for service "${parts.name}"`);
    portName = found.name ?? '';
  }
  let eps: Endpoints | undefined;
  try {
    eps = registry.get(types.endpoints, namespace, parts.name) as Endpoints;
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
  if (!eps?.subsets?.length) throw serviceUnavailable(`no endpoints available for service "${parts.name}"`);
  for (const ss of pick(eps.subsets)) {
    const port = ss.ports?.find((p) => (p.name ?? '') === portName);
    if (!port) continue;
    for (const addr of pick(ss.addresses ?? [])) {
      // Only addresses that are pods (upstream's isValidAddress): their node's kubelet can reach them.
      if (addr.targetRef?.kind !== 'Pod') continue;
      const node = addr.nodeName ?? podOf(registry, addr.targetRef.namespace ?? namespace, addr.targetRef.name ?? '')?.spec.nodeName;
      if (node) return { scheme: parts.scheme === 'https' ? 'https' : 'http', ip: addr.ip, port: port.port, node };
    }
  }
  throw serviceUnavailable(`no endpoints available for service "${id}"`);
}

function podOf(registry: Registry, namespace: string, name: string): Pod | undefined {
  try {
    return registry.get(types.pods, namespace, name) as Pod;
  } catch {
    return undefined;
  }
}

/** Upstream's pod ResourceLocation: the pod's IP, the port given or the first container port (else 80). */
function podLocation(registry: Registry, namespace: string, id: string): Location {
  const parts = splitSchemeNamePort(id);
  if (!parts) throw badRequest(`invalid pod request "${id}"`);
  const pod = registry.get(types.pods, namespace, parts.name) as Pod;
  let port = parts.port;
  if (!port) port = String(pod.spec.containers[0]?.ports?.[0]?.containerPort ?? (parts.scheme === 'https' ? 443 : 80));
  if (!/^\d+$/.test(port)) {
    const named = pod.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === port);
    if (!named) throw badRequest(`invalid port "${port}"`);
    port = String(named.containerPort);
  }
  const ip = pod.status?.podIP;
  if (!ip || !pod.spec.nodeName) throw badRequest('address not allowed');
  return { scheme: parts.scheme === 'https' ? 'https' : 'http', ip, port: Number(port), node: pod.spec.nodeName };
}

/** A TCP connection to ip:port opened by the node's kubelet, inside the node's network namespace. */
async function dialThroughKubelet(dial: KubeletDialer, node: string, ip: string, port: number): Promise<Duplex> {
  const kubelet = await dial(node).catch((e: Error) => Promise.reject(new Error(`the node's kubelet did not answer: ${e.message}`)));
  return new Promise((resolve, reject) => {
    const req = http.request({ createConnection: () => kubelet as never, method: 'CONNECT', path: `${ip}:${port}`, headers: { host: `${ip}:${port}` } });
    req.on('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return reject(new Error(res.statusMessage ?? 'failed'));
      }
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    req.on('error', (e) => reject(new Error(`the node's kubelet did not answer: ${e.message}`)));
    req.end();
  });
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate', 'proxy-authorization']);

/** Absolute paths in redirects and HTML links point back through the proxy (upstream's proxy transport). */
export function rewriteLocation(value: string, loc: Location, prefix: string): string {
  if (value.startsWith('/')) return prefix + value;
  try {
    const u = new URL(value);
    if (u.hostname === loc.ip && Number(u.port || (u.protocol === 'https:' ? 443 : 80)) === loc.port) return prefix + u.pathname + u.search + u.hash;
  } catch {
    /* relative: left alone */
  }
  return value;
}

export function rewriteHtml(html: string, prefix: string): string {
  return html.replace(/(\s(?:href|src|action)=)(["'])\/(?!\/)/gi, (_m, attr: string, q: string) => `${attr}${q}${prefix}/`);
}

export function proxyHandler(registry: Registry, dial: KubeletDialer) {
  return async (p: ProxyRequest, req: http.IncomingMessage, res: http.ServerResponse, search: string): Promise<void> => {
    if (p.rest === undefined) {
      // As upstream: the bare .../proxy redirects to .../proxy/ (relative links then resolve under it).
      res.writeHead(301, { Location: `${p.prefix}/${search}` });
      return void res.end();
    }
    const loc = p.kind === 'services' ? serviceLocation(registry, p.namespace, p.id) : podLocation(registry, p.namespace, p.id);
    const reach = p.kind === 'services' ? 'service' : 'pod';
    let socket: Duplex;
    try {
      socket = await dialThroughKubelet(dial, loc.node, loc.ip, loc.port);
    } catch (e) {
      throw serviceUnavailable(`error trying to reach ${reach}: ${(e as Error).message}`);
    }
    if (loc.scheme === 'https') socket = tls.connect({ socket, servername: undefined, rejectUnauthorized: false });
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && k !== 'authorization') headers[k] = v;
    headers.host = `${loc.ip}:${loc.port}`;
    await new Promise<void>((resolve, reject) => {
      const up = http.request({ method: req.method, path: `${p.rest}${search}`, headers, createConnection: () => socket as never }, (ur) => {
        const out: http.OutgoingHttpHeaders = {};
        for (const [k, v] of Object.entries(ur.headers)) if (!HOP_BY_HOP.has(k)) out[k] = v;
        if (typeof ur.headers.location === 'string') out.location = rewriteLocation(ur.headers.location, loc, p.prefix);
        const html = /^text\/html/i.test(ur.headers['content-type'] ?? '') && !ur.headers['content-encoding'];
        if (!html) {
          res.writeHead(ur.statusCode ?? 502, out);
          ur.pipe(res);
          ur.on('end', resolve);
          ur.on('error', resolve);
          return;
        }
        const chunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => chunks.push(c));
        ur.on('error', resolve);
        ur.on('end', () => {
          const body = Buffer.from(rewriteHtml(Buffer.concat(chunks).toString(), p.prefix));
          delete out['content-length'];
          out['content-length'] = body.length;
          res.writeHead(ur.statusCode ?? 502, out);
          res.end(body);
          resolve();
        });
      });
      up.on('error', (e) => (res.headersSent ? resolve() : reject(serviceUnavailable(`error trying to reach ${reach}: ${e.message}`))));
      res.on('close', () => up.destroy());
      req.pipe(up);
    });
  };
}
