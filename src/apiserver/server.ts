// Routes Kubernetes REST paths onto the registry: /api/v1/..., /apis/<g>/<v>/...,
// list/get/watch/create/update/patch/delete, the status subresource and discovery.
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, internalError, methodNotAllowed, notAcceptable, notFoundPath, successStatus, tooLargeResourceVersion } from '../api/errors.js';
import { protobufMediaType } from '../api/protobuf/decode.js';
import { matches, matchesFields, parseFieldSelector, parseSelector } from '../api/labels.js';
import { apiVersionOf, findType, typeKey, type ResourceType } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { fieldValidation, readBody, readRequestBody, sendError, sendJson, setWarnings } from './http.js';
import { openapiV3 } from './openapi.js';
import { patchTypeOf } from './patch.js';
import { asTable, tableEvents, tableRequested } from './printing/index.js';
import { checkDecoded, type DeleteOptions, type Registry } from './registry.js';
import { isPlainObject } from './patch.js';
import { messageFor } from '../api/schema/index.js';
import { parseResourceVersion, serveWatch, waitForResourceVersion, type WatchFilter } from './watch.js';
import { parseProxyPath, type ProxyRequest } from './subresources/proxy.js';
import { splitApiPath } from './api-path.js';
import { requestAttributes } from './auth/attributes.js';
import { selfSubjectReview, selfSubjectReviewPath } from './auth/self-subject-review.js';
import { forbiddenRequest } from './auth/forbidden.js';
import { allowAll, labAdmin, type Authorizer, type UserInfo } from './auth/user.js';
import { impersonate } from './auth/impersonation.js';
import type { ReviewHandler } from './auth/reviews.js';
import { confirmNoEscalation } from './auth/rbac/escalation.js';
import type { AdmissionPlugin, AdmissionWrite } from './admission/admission.js';
import { certificateAdmission } from './admission/certificates.js';

export interface ResourceRequest {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type SubresourceHandler = (
  r: ResourceRequest & { name: string },
  req: http.IncomingMessage,
  res: http.ServerResponse,
  query: URLSearchParams,
  /** Validating admission of what the handler is about to do, as the request's user. */
  admit: (w: AdmissionWrite) => void,
) => Promise<void> | void;

/** Splits a REST path into its resource parts, or returns undefined when it names no resource. */
function parseResourcePath(pathname: string): ResourceRequest | undefined {
  const split = splitApiPath(pathname);
  if (!split) return undefined;
  const { group, version } = split;
  let rest = split.rest;
  let namespace: string | undefined;
  // "namespaces/<ns>/<plural>..." is namespaced; "namespaces/<name>[/status]" is the namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && findType(group, version, rest[2]!)?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = findType(group, version, rest[0]!);
  if (!type || rest.length > 3) return undefined;
  if (namespace && !type.namespaced) return undefined;
  return { type, namespace, name: rest[1], subresource: rest[2] };
}

/** A client that takes protobuf answers and nothing this server writes (JSON). */
function onlyProtobufAccepted(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
  return types.every((t) => t === protobufMediaType || t.startsWith(`${protobufMediaType};`));
}

/** An *int64 query parameter as the parameter codec reads it (strconv.ParseInt); 400 when it is none. */
function int64Param(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const why = !/^[+-]?[0-9]+$/.test(v) ? 'invalid syntax' : BigInt(v) >= 2n ** 63n || BigInt(v) < -(2n ** 63n) ? 'value out of range' : undefined;
  if (why) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: ${why}`);
  return Number(v);
}

function listKind(t: ResourceType): string {
  return `${t.kind}List`;
}

function deleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const opts: DeleteOptions = body && typeof body === 'object' ? { ...(body as DeleteOptions) } : {};
  const grace = int64Param(query, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const prop = query.get('propagationPolicy');
  if (prop) opts.propagationPolicy = prop as DeleteOptions['propagationPolicy'];
  return opts;
}

/** Subresources kubectl knows that the lab does not serve, and what to do instead. */
const unavailable: Record<string, string> = {
  proxy: "the lab's API server proxies to services and pods only (.../services/NAME[:PORT]/proxy/, .../pods/NAME[:PORT]/proxy/), not to nodes",
};

/** The error for a subresource this server does not serve: what to do instead when known. */
function notServed(subresource: string | undefined): ApiError {
  const instead = subresource ? unavailable[subresource] : undefined;
  return instead ? badRequest(instead) : notFoundPath();
}

/** An upgrade refused with a Status, as a plain HTTP answer on the raw socket. */
function refuseUpgrade(socket: Duplex, err: ApiError): void {
  const status = err.status;
  const body = JSON.stringify(status);
  socket.end(`HTTP/1.1 ${status.code} ${http.STATUS_CODES[status.code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const streamingSubresources = new Set(['exec', 'attach', 'portforward']);

export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** The client CA: certificates it signed authenticate their subject. */
  ca: string | Buffer;
  socketPath?: string;
  /** A second TCP address serving the same TLS (`lab up --listen`: where other hosts reach the API). */
  listen?: { ip: string; port: number };
}

export type UpgradeHandler = (r: ResourceRequest & { name: string }, req: http.IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams) => void;

export class ApiServer {
  readonly subresources = new Map<string, SubresourceHandler>();
  /** HTTP upgrades (exec over WebSocket) by "<type key>/<subresource>". */
  readonly upgrades = new Map<string, UpgradeHandler>();
  /** Create-only resources answered rather than stored (access reviews, SelfSubjectReview), by type key. */
  readonly reviews = new Map<string, ReviewHandler>();
  /** services|pods/NAME[:PORT]/proxy/PATH, once kubelets can open the connections. */
  proxy?: (p: ProxyRequest, req: http.IncomingMessage, res: http.ServerResponse, search: string) => Promise<void>;
  readonly servers: http.Server[] = [];
  log = false;
  /** Who sent a request (throws a 401 ApiError for bad credentials). Until a lab sets it, everyone is its admin. */
  authenticate: (req: http.IncomingMessage) => Promise<UserInfo> | UserInfo = () => labAdmin;
  authorizer: Authorizer = allowAll;
  /** --enable-admission-plugins: validating admission of every write, in order. */
  admission: AdmissionPlugin[] = [];
  /** Upstream's default-on CertificateApproval, CertificateSigning and CertificateSubjectRestriction. */
  private readonly certificateAdmission: AdmissionPlugin = certificateAdmission({ authorize: (a) => this.authorizer.authorize(a) });
  /** The user each request was authenticated as, for handlers that need it (SelfSubjectReview, impersonation, ...). */
  readonly users = new WeakMap<http.IncomingMessage, UserInfo>();

  constructor(readonly registry: Registry) {}

  handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const started = Date.now();
    if (this.log) res.on('finish', () => console.log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms ${this.users.get(req)?.username ?? ''}`));
    this.admit(req)
      .then(() => this.route(req, res))
      .catch((err) => sendError(res, err));
  };

  /** Authentication, then authorization: a request goes no further without both. */
  private async admit(req: http.IncomingMessage): Promise<void> {
    const user = impersonate(req, await this.authenticate(req), this.authorizer);
    this.users.set(req, user);
    const attrs = requestAttributes(req, user);
    // A WebSocket exec, attach or port-forward is a GET that acts: upstream asks for create (AuthorizePodWebsocketUpgradeCreatePermission).
    if (req.headers.upgrade && attrs.resource === 'pods' && streamingSubresources.has(attrs.subresource ?? '') && attrs.verb === 'get') attrs.verb = 'create';
    const decision = this.authorizer.authorize(attrs);
    if (!decision.allowed) throw forbiddenRequest(attrs, decision.reason);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const proxied = this.proxy && parseProxyPath(url.pathname);
    if (proxied) return this.proxy!(proxied, req, res, url.search);
    const p = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'GET') {
      const spec = openapiV3(p);
      if (spec !== undefined) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(spec) });
        res.end(spec);
        return;
      }
      const doc = this.discovery(p);
      if (doc !== undefined) {
        if (typeof doc === 'string') {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(doc);
        } else sendJson(res, 200, doc);
        return;
      }
    }
    if (p === selfSubjectReviewPath) return selfSubjectReview(req, res, this.users.get(req));
    const r = parseResourcePath(p);
    // .../services/NAME[:PORT]/proxy/<path> has more segments than a resource path.
    if (!r) throw notServed(/^\/api\/v1\/(namespaces\/[^/]+\/)?(services|pods|nodes)\/[^/]+\/proxy\//.test(p) ? 'proxy' : undefined);
    await this.resource(r, req, res, url.searchParams);
  }

  private discovery(p: string): unknown | string | undefined {
    if (p === '/version') return versionInfo();
    if (p === '/healthz' || p === '/readyz' || p === '/livez') return 'ok';
    if (p === '/api') return apiVersions();
    if (p === '/apis') return apiGroupList();
    const segs = p.split('/').filter(Boolean);
    if (segs[0] === 'api' && segs.length === 2) return apiResourceList('', segs[1]!);
    if (segs[0] === 'apis' && segs.length === 2) return apiGroup(segs[1]!);
    if (segs[0] === 'apis' && segs.length === 3) return apiResourceList(segs[1]!, segs[2]!);
    return undefined;
  }

  private async resource(r: ResourceRequest, req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams): Promise<void> {
    const { type: t, namespace, name, subresource } = r;
    const reg = this.registry;
    if (onlyProtobufAccepted(req.headers.accept)) throw notAcceptable(['application/json']); // objects are answered in JSON only
    const dryRun = query.getAll('dryRun').includes('All');
    const warnings: string[] = [];
    const user = this.users.get(req) ?? labAdmin;
    const admit = (w: AdmissionWrite): void => {
      if (t.group === 'rbac.authorization.k8s.io' && w.object) confirmNoEscalation(t, w.object, { user, authorizer: this.authorizer, store: reg.store });
      const a = { ...w, user, type: t, namespace, subresource, name: name ?? (w.object ?? w.oldObject)?.metadata?.name ?? '' };
      this.certificateAdmission(a);
      for (const plugin of this.admission) plugin(a);
    };
    const write = { dryRun, fieldValidation: fieldValidation(query), warnings, admit, user };
    const reply = (code: number, obj: unknown): void => {
      setWarnings(res, warnings);
      sendJson(res, code, obj);
    };
    const review = this.reviews.get(typeKey(t));
    if (review) {
      if (req.method !== 'POST' || name) throw methodNotAllowed();
      const body = await readRequestBody(req, { kind: t.kind });
      if (!isPlainObject(body.value)) throw badRequest('Object in request body is not a valid JSON object');
      // Checked as a create's body is: JSON types as Go reads them, unknown fields per fieldValidation.
      checkDecoded(messageFor(apiVersionOf(t), t.kind), body.value as Record<string, unknown>, { ...write, strictErrors: body.strictErrors }, (detail) =>
        badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${detail}`),
      );
      return reply(201, review(body.value, { user, authorizer: this.authorizer, namespace }));
    }
    if (subresource && subresource !== 'status' && !reg.strategyFor(t).updateSubresources?.includes(subresource)) {
      const handler = this.subresources.get(`${typeKey(t)}/${subresource}`);
      if (!handler || !name) throw notServed(subresource);
      await handler({ ...r, name }, req, res, query, admit);
      return;
    }
    switch (req.method) {
      case 'GET': {
        const table = tableRequested(req.headers.accept, query);
        // No resourceVersion asks for the newest state: a store shared with other writers catches up first.
        const isWatch = query.get('watch') === 'true' || query.get('watch') === '1';
        if (reg.store.sync && !query.get('resourceVersion') && !isWatch) await reg.store.sync();
        if (name) {
          const obj = reg.get(t, namespace, name);
          return sendJson(res, 200, table ? asTable(t, [obj], table, obj.metadata.resourceVersion ?? '') : obj);
        }
        const filter: WatchFilter = {
          namespace,
          labels: parseSelector(query.get('labelSelector')),
          fields: parseFieldSelector(query.get('fieldSelector')),
        };
        const items = (): KubeObject[] => reg.store.list(typeKey(t), namespace);
        if (isWatch) {
          serveWatch(reg.store, t, filter, items, req, res, {
            resourceVersion: query.get('resourceVersion') ?? undefined,
            timeoutSeconds: int64Param(query, 'timeoutSeconds'),
            bookmarks: query.get('allowWatchBookmarks') === 'true',
            transform: table ? tableEvents(t, table) : undefined,
          });
          return;
        }
        // A list at a resourceVersion the store has not reached waits for it as the watch cache does, then 504s.
        const atLeast = parseResourceVersion(query.get('resourceVersion'));
        if (atLeast !== undefined && !(await waitForResourceVersion(reg.store, atLeast))) throw tooLargeResourceVersion(atLeast, reg.store.resourceVersion);
        const rv = String(reg.store.resourceVersion);
        const selected = items().filter((o) => matches(filter.labels, o.metadata.labels) && matchesFields(filter.fields, o));
        selected.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
        if (table) return sendJson(res, 200, asTable(t, selected, table, rv));
        return sendJson(res, 200, { kind: listKind(t), apiVersion: apiVersionOf(t), metadata: { resourceVersion: rv }, items: selected });
      }
      case 'POST': {
        if (name) throw methodNotAllowed();
        const body = await readRequestBody(req, { kind: t.kind });
        const obj = await reg.create(t, namespace, body.value, { ...write, strictErrors: body.strictErrors, orderOf: body.orderOf });
        return reply(201, obj);
      }
      case 'PUT': {
        if (!name) throw methodNotAllowed();
        const body = await readRequestBody(req, { kind: t.kind });
        const obj = await reg.update(t, namespace, name, body.value, { ...write, subresource, strictErrors: body.strictErrors, orderOf: body.orderOf });
        return reply(200, obj);
      }
      case 'PATCH': {
        if (!name) throw methodNotAllowed();
        const patchType = patchTypeOf(req.headers['content-type']);
        const body = await readRequestBody(req, { patch: true });
        if (body.value === undefined) throw badRequest('the body of the request was empty');
        const obj = await reg.patch(t, namespace, name, patchType, body.value, { ...write, subresource, strictErrors: body.strictErrors });
        return reply(200, obj);
      }
      case 'DELETE': {
        const options = deleteOptions(await readBody(req), query);
        if (name) {
          const obj = await reg.delete(t, namespace, name, options, { dryRun, admit });
          return sendJson(res, 200, obj);
        }
        const labels = parseSelector(query.get('labelSelector'));
        const fields = parseFieldSelector(query.get('fieldSelector'));
        const victims = reg.store.list(typeKey(t), namespace).filter((o) => matches(labels, o.metadata.labels) && matchesFields(fields, o));
        for (const v of victims) await reg.delete(t, v.metadata.namespace, v.metadata.name!, options, { dryRun, admit });
        return sendJson(res, 200, successStatus());
      }
      default:
        throw methodNotAllowed();
    }
  }

  private upgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.admit(req).then(
      () => this.upgradeAdmitted(req, socket, head),
      (err) => refuseUpgrade(socket, err instanceof ApiError ? err : internalError(String(err))),
    );
  };

  private upgradeAdmitted(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://local');
    const r = parseResourcePath(url.pathname);
    const handler = r?.name && r.subresource ? this.upgrades.get(`${typeKey(r.type)}/${r.subresource}`) : undefined;
    if (!r?.name || !handler) {
      refuseUpgrade(socket, notServed(r?.subresource));
      return;
    }
    try {
      handler({ ...r, name: r.name }, req, socket, head, url.searchParams);
    } catch (e) {
      console.error('apiserver: upgrade failed:', e);
      socket.destroy();
    }
  }

  /**
   * The TCP listener on 127.0.0.1 (HTTPS with `tls`: client certificates requested, not
   * required), the plain unix socket for lab components, and with tls.socketPath a second
   * unix socket speaking TLS, which the router relays pods' connections to unchanged.
   */
  listen(port: number, socketPath?: string, tls?: TlsOptions, address = '127.0.0.1'): Promise<void> {
    this.servers.length = 0;
    const make = (secure: boolean): http.Server => {
      const s = secure && tls ? https.createServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: false }, this.handle) : http.createServer(this.handle);
      s.on('upgrade', this.upgrade);
      s.keepAliveTimeout = 65_000;
      s.requestTimeout = 0; // watches and log follows stay open
      this.servers.push(s);
      return s;
    };
    const listens: Promise<void>[] = [new Promise((resolve, reject) => make(true).once('error', reject).listen(port, address, resolve))];
    if (socketPath) listens.push(new Promise((resolve, reject) => make(false).once('error', reject).listen(socketPath, resolve)));
    if (tls?.socketPath) listens.push(new Promise((resolve, reject) => make(true).once('error', reject).listen(tls.socketPath, resolve)));
    const extra = tls?.listen;
    if (extra) listens.push(new Promise((resolve, reject) => make(true).once('error', reject).listen(extra.port, extra.ip, resolve)));
    return Promise.all(listens).then(() => undefined);
  }

  /** The TCP port actually bound (the first server is the TCP one). */
  port(): number {
    const addr = this.servers[0]?.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  close(): void {
    for (const s of this.servers) {
      s.close();
      s.closeAllConnections();
    }
  }
}

