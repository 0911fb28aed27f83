// A small Kubernetes API client over a unix socket (components inside lab
// namespaces) or TCP (the CLI and tests; HTTPS with the lab CA), with JSON,
// patches and watch streams. It presents a client certificate or a bearer token.
// Given several API servers it uses one and moves to the next when that one
// cannot be reached (refused, reset, timed out); informers then resume their watches there.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import readline from 'node:readline';
import { ApiError, type Status } from '../api/errors.js';
import { apiVersionOf, type ResourceType } from '../api/resources.js';
import type { KubeList, KubeObject, WatchEvent } from '../api/types.js';

/** Where the API is and who we are to it: what a kubeconfig entry or in-cluster config holds. */
export interface Connection {
  /** "unix:/path/api.sock", "https://127.0.0.1:6443" (or plain "http://"), "unix+https:/path/api-tls.sock". */
  server: string;
  /** More API servers of the same cluster, tried in order (then around) when the one in use cannot be reached. */
  fallbacks?: string[];
  /** PEM: the CA that signed the server's certificate, and a client certificate + key. */
  tls?: { ca: string | Buffer; cert?: string | Buffer; key?: string | Buffer };
  token?: string;
  /** A file holding the bearer token, read before every request (a pod's projected token is renewed). */
  tokenFile?: string;
}

export interface ClientOptions extends Connection {
  userAgent?: string;
  timeoutMs?: number;
  /** Act as this user (Impersonate-User / Impersonate-Group headers, as kubectl --as / --as-group). */
  impersonate?: Impersonation;
}

export interface Impersonation {
  user: string;
  groups?: string[];
}

/** The Authorization header of a connection, if it has a token. */
export function authHeaders(c: Connection): Record<string, string> {
  const token = c.tokenFile ? fs.readFileSync(c.tokenFile, 'utf8').trim() : c.token;
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface Watch {
  events: AsyncIterable<WatchEvent>;
  stop(): void;
}

/** One API server the client may use. */
interface Target {
  server: string;
  agent: http.Agent;
  socketPath?: string;
  host: string;
  port: number;
  secure: boolean;
}

function targetFor(server: string, tls: Connection['tls']): Target {
  // "unix+https:/path": TLS on a unix socket (an API server's --tls-socket on this machine), checked as "localhost".
  const secure = server.startsWith('https:') || server.startsWith('unix+https:');
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 32, ca: tls?.ca, cert: tls?.cert, key: tls?.key }) : new http.Agent({ keepAlive: true, maxSockets: 32 });
  if (server.startsWith('unix:')) return { server, agent, socketPath: server.slice(5), host: 'localhost', port: 80, secure };
  if (server.startsWith('unix+https:')) return { server, agent, socketPath: server.slice(11), host: 'localhost', port: 443, secure };
  const u = new URL(server);
  return { server, agent, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (secure ? 443 : 80)), secure };
}

/** The request surely never reached the server: any request may go to the next one. */
const unreachable = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
/** The connection broke or hung: the server may be gone (reads are sent again elsewhere; writes fail, as client-go's). */
const broken = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

class RequestTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}

export class ApiClient {
  private readonly targets: Target[];
  /** The target in use: the first one until it cannot be reached. */
  private current = 0;

  constructor(readonly opts: ClientOptions) {
    this.targets = [opts.server, ...(opts.fallbacks ?? [])].map((s) => targetFor(s, opts.tls));
  }

  /** The API server in use now. */
  get server(): string {
    return this.targets[this.current]!.server;
  }

  private async raw(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = this.opts.timeoutMs ?? 15_000): Promise<http.IncomingMessage> {
    for (let tries = 1; ; tries++) {
      const index = this.current;
      try {
        return await this.rawAt(this.targets[index]!, method, path, body, contentType, timeoutMs);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        const failover = unreachable.has(code) || broken.has(code) || /socket hang up/.test((e as Error).message);
        if (!failover || this.targets.length === 1) throw e;
        // Several requests may fail at once: only the first moves on.
        if (this.current === index) this.current = (index + 1) % this.targets.length;
        const resend = unreachable.has(code) || method === 'GET';
        if (!resend || tries >= this.targets.length) throw e;
      }
    }
  }

  private rawAt(target: Target, method: string, path: string, body: unknown, contentType: string, timeoutMs: number): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = (target.secure ? https : http).request(
        {
          method,
          path,
          agent: target.agent,
          socketPath: target.socketPath,
          host: target.host,
          port: target.port,
          headers: {
            Accept: 'application/json',
            'User-Agent': this.opts.userAgent ?? 'svclab',
            ...authHeaders(this.opts),
            ...(this.opts.impersonate ? { 'Impersonate-User': this.opts.impersonate.user, ...(this.opts.impersonate.groups?.length ? { 'Impersonate-Group': this.opts.impersonate.groups } : {}) } : {}),
            ...(data ? { 'Content-Type': contentType, 'Content-Length': data.length } : {}),
          },
        },
        resolve,
      );
      req.on('error', reject);
      if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new RequestTimeout(`request ${method} ${path} timed out after ${timeoutMs} ms`)));
      req.end(data);
    });
  }

  async request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.raw(method, path, body, contentType);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown = text;
    if ((res.headers['content-type'] ?? '').includes('json')) parsed = text ? JSON.parse(text) : undefined;
    if ((res.statusCode ?? 500) >= 400) {
      const status = parsed && typeof parsed === 'object' && (parsed as Status).kind === 'Status'
        ? (parsed as Status)
        : ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: String(text), reason: 'Unknown', code: res.statusCode ?? 500 } as Status);
      throw new ApiError(status);
    }
    return parsed as T;
  }

  get<T extends KubeObject>(t: ResourceType, name: string, namespace?: string): Promise<T> {
    return this.request<T>('GET', resourcePath(t, namespace, name));
  }

  list<T extends KubeObject>(t: ResourceType, namespace?: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', resourcePath(t, namespace) + query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector }));
  }

  create<T extends KubeObject>(t: ResourceType, obj: KubeObject, namespace?: string): Promise<T> {
    return this.request<T>('POST', resourcePath(t, namespace ?? obj.metadata.namespace), { apiVersion: apiVersionOf(t), kind: t.kind, ...obj });
  }

  update<T extends KubeObject>(t: ResourceType, obj: KubeObject, subresource?: string): Promise<T> {
    const p = resourcePath(t, obj.metadata.namespace, obj.metadata.name) + (subresource ? `/${subresource}` : '');
    return this.request<T>('PUT', p, obj);
  }

  /** JSON merge patch (RFC 7386). */
  patch<T extends KubeObject>(t: ResourceType, name: string, patch: unknown, namespace?: string, subresource?: string): Promise<T> {
    const p = resourcePath(t, namespace, name) + (subresource ? `/${subresource}` : '');
    return this.request<T>('PATCH', p, patch, 'application/merge-patch+json');
  }

  delete(t: ResourceType, name: string, namespace?: string, options: Record<string, unknown> = {}): Promise<unknown> {
    return this.request('DELETE', resourcePath(t, namespace, name), options);
  }

  /** Opens a watch stream from resourceVersion; the iterator ends when the server closes it. */
  async watch(t: ResourceType, namespace: string | undefined, resourceVersion: string, opts: ListOptions & { timeoutSeconds?: number } = {}): Promise<Watch> {
    const q = query({
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      timeoutSeconds: opts.timeoutSeconds,
      watch: 'true',
      resourceVersion,
      allowWatchBookmarks: 'true',
    });
    const res = await this.raw('GET', resourcePath(t, namespace) + q, undefined, undefined, 0);
    if ((res.statusCode ?? 500) >= 400) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      throw new ApiError(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Status);
    }
    const lines = readline.createInterface({ input: res, crlfDelay: Infinity });
    async function* events(): AsyncGenerator<WatchEvent> {
      for await (const line of lines) if (line.trim()) yield JSON.parse(line) as WatchEvent;
    }
    return { events: events(), stop: () => res.destroy() };
  }

  close(): void {
    for (const t of this.targets) t.agent.destroy();
  }
}

export function resourcePath(t: ResourceType, namespace?: string, name?: string): string {
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const ns = t.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${t.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.code === 409;
}
