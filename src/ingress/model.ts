// What the L7 data plane must do, from the API objects (pure): virtual hosts with routes, each
// route a list of candidates (header conditions, weighted backends), upstreams of ready endpoint
// IPs, and the TLS certificates. Ingresses follow the networking.k8s.io/v1 spec as ingress-nginx
// serves them; HTTPRoutes attached to our Gateways are merged into the same hosts.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ingressClassAnnotation, type Gateway, type GatewayClass, type GatewayListener, type HTTPBackendRef, type HTTPRoute, type HTTPRouteMatch, type Ingress, type IngressBackend, type IngressClass } from '../api/networking.js';
import { matches, selectorFromObject } from '../api/labels.js';
import { types, type ResourceType } from '../api/resources.js';
import type { EndpointSlice, KubeObject, Namespace, Service } from '../api/types.js';

export const CONTROLLER = 'k8s.io/ingress-nginx';
/** ingress-nginx's annotation that keeps plain HTTP on a TLS host. */
const sslRedirectAnnotation = 'nginx.ingress.kubernetes.io/ssl-redirect';
export const GATEWAY_CONTROLLER = 'svclab.io/nginx-gateway';
/** The ports the controller's nginx serves (its Service's ports): Gateway listeners on others are not accepted. */
export const LISTENER_PORTS: Record<string, number> = { HTTP: 80, HTTPS: 443 };

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export interface Cluster {
  namespaces: Namespace[];
  ingresses: Ingress[];
  ingressClasses: IngressClass[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  secrets: Secret[];
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  httpRoutes: HTTPRoute[];
}

/** What the controller lists and watches, by the Cluster field it fills. */
export const watchedTypes: Record<keyof Cluster, ResourceType> = {
  namespaces: types.namespaces,
  ingresses: types.ingresses,
  ingressClasses: types.ingressclasses,
  services: types.services,
  endpointSlices: types.endpointslices,
  secrets: types.secrets,
  gatewayClasses: types.gatewayclasses,
  gateways: types.gateways,
  httpRoutes: types.httproutes,
};

type PathKind = 'Exact' | 'Prefix' | 'ImplementationSpecific' | 'RegularExpression';

export interface WeightedBackend {
  /** An upstream name, or undefined: no ready endpoint (503). */
  upstream?: string;
  weight: number;
  /** A Gateway API reference that does not resolve: its share of requests gets 500, as the spec asks. */
  invalid?: boolean;
}

export interface Candidate {
  /** Request conditions that must all hold: an nginx variable (http_x_env, arg_v, request_method) and its value. */
  conditions: { variable: string; value: string; regex: boolean }[];
  /** Gateway API precedence among matches of one path: a method match, then more headers, then more query parameters. */
  rank: [number, number, number];
  backends: WeightedBackend[];
}

export interface Route {
  path: string;
  kind: PathKind;
  /** Most specific first: the first whose conditions all hold serves the request. */
  candidates: Candidate[];
}

export interface VirtualHost {
  /** "" = the default server (requests naming no known host). */
  host: string;
  /** Key into `certificates`. */
  certificate?: string;
  /** `*.` stands for any number of labels (Gateway API hostnames), not exactly one (Ingress hosts). */
  wildcardSuffix?: boolean;
  /** Plain HTTP is redirected to HTTPS (308), as ingress-nginx does for hosts of an Ingress's TLS section. */
  sslRedirect?: boolean;
  routes: Route[];
  /** Requests matching no route: a backend, or 404. */
  fallback?: WeightedBackend;
}

export interface Model {
  hosts: VirtualHost[];
  upstreams: Map<string, string[]>;
  /** name -> PEM (certificate chain then key). */
  certificates: Map<string, string>;
}

const byAge = <T extends KubeObject>(a: T, b: T): number =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`);

/** The Ingresses this controller serves: its class, or class-less ones when its class is the default. */
export function ourIngresses(c: Cluster, className: string): Ingress[] {
  const cls = c.ingressClasses.find((i) => i.metadata.name === className && i.spec.controller === CONTROLLER);
  if (!cls) return [];
  const isDefault = cls.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true';
  return c.ingresses
    .filter((ing) => {
      const named = ing.spec.ingressClassName ?? ing.metadata.annotations?.[ingressClassAnnotation];
      return named === className || (named === undefined && isDefault);
    })
    .sort(byAge);
}

class Builder {
  readonly upstreams = new Map<string, string[]>();
  readonly certificates = new Map<string, string>();
  private readonly hosts = new Map<string, VirtualHost>();

  constructor(private readonly c: Cluster) {}

  /** A server; `suffix`: a Gateway API wildcard, matching any number of labels (an Ingress's matches one). */
  host(name: string, suffix = false): VirtualHost {
    const wildcardSuffix = suffix && name.startsWith('*.');
    const key = wildcardSuffix ? `${name} suffix` : name;
    let h = this.hosts.get(key);
    if (!h) this.hosts.set(key, (h = { host: name, routes: [], ...(wildcardSuffix ? { wildcardSuffix } : {}) }));
    return h;
  }

  /** A Service port's ready endpoints as an upstream; undefined when there are none (or no such Service/port). */
  upstream(namespace: string, service: string, port: { number?: number; name?: string }): string | undefined {
    const svc = this.c.services.find((s) => s.metadata.namespace === namespace && s.metadata.name === service);
    const sp = svc?.spec.ports?.find((p) => (port.number ? p.port === port.number : p.name === port.name) && (p.protocol ?? 'TCP') === 'TCP');
    if (!svc || !sp) return undefined;
    const name = `${namespace}-${service}-${sp.port}`;
    if (this.upstreams.has(name)) return (this.upstreams.get(name)!.length > 0 ? name : undefined);
    const servers = new Set<string>();
    for (const slice of this.c.endpointSlices) {
      if (slice.metadata.namespace !== namespace || slice.metadata.labels?.['kubernetes.io/service-name'] !== service || slice.addressType !== 'IPv4') continue;
      const target = (slice.ports ?? []).find((p) => (p.name ?? '') === (sp.name ?? '') && (p.protocol ?? 'TCP') === 'TCP');
      if (!target?.port) continue;
      for (const ep of slice.endpoints ?? []) if (ep.conditions?.ready !== false) for (const ip of ep.addresses) servers.add(`${ip}:${target.port}`);
    }
    this.upstreams.set(name, [...servers].sort());
    return servers.size > 0 ? name : undefined;
  }

  ingressBackend(namespace: string, b: IngressBackend): WeightedBackend {
    if (!b.service) return { weight: 1 };
    return { upstream: this.upstream(namespace, b.service.name, b.service.port ?? {}), weight: 1 };
  }

  /** A kubernetes.io/tls Secret as a PEM file name, or undefined when it is missing or not TLS. */
  certificate(namespace: string, name: string | undefined): string | undefined {
    if (!name) return undefined;
    const s = this.c.secrets.find((x) => x.metadata.namespace === namespace && x.metadata.name === name);
    const crt = s?.data?.['tls.crt'];
    const key = s?.data?.['tls.key'];
    if (!s || s.type !== 'kubernetes.io/tls' || !crt || !key) return undefined;
    const file = `${namespace}-${name}`;
    const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8').trim();
    const [pemCrt, pemKey] = [decode(crt), decode(key)];
    // A certificate nginx would refuse must not block every later configuration: such a host gets no TLS.
    if (!usableCertificate(pemCrt, pemKey)) return undefined;
    this.certificates.set(file, `${pemCrt}\n${pemKey}\n`);
    return file;
  }

  /** Adds a route unless one with the same path and kind exists (the older object wins). */
  addRoute(host: VirtualHost, route: Route): void {
    const same = host.routes.find((r) => r.path === route.path && r.kind === route.kind);
    if (!same) host.routes.push(route);
    else same.candidates.push(...route.candidates);
  }

  result(): Model {
    const hosts = [...this.hosts.values()].sort((a, b) => a.host.localeCompare(b.host));
    for (const h of hosts) {
      h.routes.sort((a, b) => a.path.localeCompare(b.path) || a.kind.localeCompare(b.kind));
      // Gateway API precedence among matches on one path: more header matches first; stable otherwise.
      for (const r of h.routes) r.candidates.sort((a, b) => b.rank[0] - a.rank[0] || b.rank[1] - a.rank[1] || b.rank[2] - a.rank[2]);
    }
    return { hosts, upstreams: new Map([...this.upstreams].filter(([, s]) => s.length > 0).sort(([a], [b]) => a.localeCompare(b))), certificates: this.certificates };
  }
}

/** A PEM certificate and the private key that goes with it. */
function usableCertificate(crt: string, key: string): boolean {
  try {
    return new X509Certificate(crt).checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}

/** Trailing slashes do not count for Prefix paths ("/foo/" is "/foo"). */
function normalizePrefix(path: string): string {
  const p = path.replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

function tlsSecretFor(ing: Ingress, host: string): string | undefined {
  for (const tls of ing.spec.tls ?? []) {
    const hosts = tls.hosts ?? [];
    if (hosts.includes(host) || (host !== '' && hosts.some((h) => h.startsWith('*.') && hostMatches(h, host)))) return tls.secretName;
  }
  return undefined;
}

/** Gateway API hostnames: a wildcard is a suffix match (any number of labels in its place). */
export function suffixMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === host;
  return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
}

/** Ingress hosts: a wildcard matches exactly one label in its place. */
export function hostMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith('*.')) return pattern === host;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === pattern.slice(2);
}

function addIngresses(b: Builder, ingresses: Ingress[]): void {
  for (const ing of ingresses) {
    const ns = ing.metadata.namespace!;
    const hostsOfIngress = new Set<string>();
    for (const rule of ing.spec.rules ?? []) {
      const host = b.host(rule.host ?? '');
      hostsOfIngress.add(host.host);
      const secret = tlsSecretFor(ing, host.host);
      if (secret && !host.certificate) host.certificate = b.certificate(ns, secret);
      if (host.certificate && ing.metadata.annotations?.[sslRedirectAnnotation] !== 'false') host.sslRedirect = true;
      for (const p of rule.http?.paths ?? []) {
        const kind = p.pathType ?? 'Prefix';
        const path = kind === 'Prefix' ? normalizePrefix(p.path ?? '/') : p.path || '/';
        b.addRoute(host, { path, kind, candidates: [{ conditions: [], rank: [0, 0, 0], backends: [b.ingressBackend(ns, p.backend)] }] });
      }
    }
    if (ing.spec.defaultBackend) {
      const backend = b.ingressBackend(ns, ing.spec.defaultBackend);
      // The Ingress's own hosts fall back to it; so does the default server, for the oldest Ingress that has one.
      for (const h of hostsOfIngress) b.host(h).fallback ??= backend;
      b.host('').fallback ??= backend;
    }
    // TLS hosts without rules still get their certificate (and the default backend).
    for (const tls of ing.spec.tls ?? []) {
      for (const h of tls.hosts ?? []) {
        if (h.includes('*') || hostsOfIngress.has(h)) continue;
        const host = b.host(h);
        host.certificate ??= b.certificate(ns, tls.secretName);
      }
    }
  }
}

function routeHostnames(route: HTTPRoute, listenerHost: string | undefined): string[] {
  const names = route.spec.hostnames ?? [];
  if (!listenerHost) return names.length > 0 ? names : [''];
  if (names.length === 0) return [listenerHost];
  // The intersection of the route's hostnames and the listener's.
  return names.filter((n) => suffixMatches(listenerHost, n) || suffixMatches(n, listenerHost)).map((n) => (suffixMatches(n, listenerHost) ? listenerHost : n));
}

export interface AttachedRoute {
  route: HTTPRoute;
  gateway: Gateway;
  listeners: string[];
}

/** A listener's allowedRoutes.namespaces: Same (the default), All, or the namespaces its selector picks. */
function namespaceAllowed(c: Cluster, l: GatewayListener, gw: Gateway, route: HTTPRoute): boolean {
  const from = l.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Selector') {
    const ns = c.namespaces.find((n) => n.metadata.name === route.metadata.namespace);
    return !!ns && matches(selectorFromObject(l.allowedRoutes?.namespaces?.selector), ns.metadata.labels);
  }
  return gw.metadata.namespace === route.metadata.namespace;
}

/** The Gateways of GatewayClasses this controller owns. */
export function ourGateways(c: Cluster): Gateway[] {
  const classes = new Set(c.gatewayClasses.filter((g) => g.spec.controllerName === GATEWAY_CONTROLLER).map((g) => g.metadata.name));
  return c.gateways.filter((g) => classes.has(g.spec.gatewayClassName)).sort(byAge);
}

/** HTTPRoutes and the listeners of our Gateways they attach to (namespace policy and sectionName honoured). */
export function attachments(c: Cluster): AttachedRoute[] {
  const out: AttachedRoute[] = [];
  const gateways = ourGateways(c);
  for (const route of [...c.httpRoutes].sort(byAge)) {
    for (const ref of route.spec.parentRefs ?? []) {
      if ((ref.group ?? 'gateway.networking.k8s.io') !== 'gateway.networking.k8s.io' || (ref.kind ?? 'Gateway') !== 'Gateway') continue;
      const ns = ref.namespace ?? route.metadata.namespace;
      const gw = gateways.find((g) => g.metadata.name === ref.name && g.metadata.namespace === ns);
      if (!gw) continue;
      const listeners = gw.spec.listeners
        .filter((l) => (!ref.sectionName || l.name === ref.sectionName) && (!ref.port || l.port === ref.port))
        .filter((l) => LISTENER_PORTS[l.protocol] === l.port && namespaceAllowed(c, l, gw, route))
        .filter((l) => routeHostnames(route, l.hostname).length > 0)
        .map((l) => l.name);
      if (listeners.length > 0) out.push({ route, gateway: gw, listeners });
    }
  }
  return out;
}

/** Why an HTTPRoute backendRef does not resolve (status reason), or undefined when it does. */
export function backendRefProblem(c: Cluster, route: HTTPRoute, r: HTTPBackendRef): 'InvalidKind' | 'RefNotPermitted' | 'BackendNotFound' | undefined {
  if ((r.group ?? '') !== '' || (r.kind ?? 'Service') !== 'Service' || !r.port) return 'InvalidKind';
  // Another namespace needs a ReferenceGrant there; the lab does not serve that kind.
  const ns = r.namespace ?? route.metadata.namespace;
  if (ns !== route.metadata.namespace) return 'RefNotPermitted';
  return c.services.some((s) => s.metadata.name === r.name && s.metadata.namespace === ns) ? undefined : 'BackendNotFound';
}

/** A match's method, header and query conditions as nginx variables; undefined when nginx cannot name one. */
function matchCandidate(m: HTTPRouteMatch, backends: WeightedBackend[]): Candidate | undefined {
  const cond = (variable: string, value: string, type?: string): Candidate['conditions'][number] => ({ variable, value, regex: type === 'RegularExpression' });
  const headers = (m.headers ?? []).map((h) => cond(`http_${h.name.toLowerCase().replace(/-/g, '_')}`, h.value, h.type));
  const query = (m.queryParams ?? []).map((q) => cond(`arg_${q.name}`, q.value, q.type));
  const conditions = [...(m.method ? [cond('request_method', m.method)] : []), ...headers, ...query];
  if (conditions.some((c) => !/^[A-Za-z0-9_]+$/.test(c.variable))) return undefined;
  return { conditions, rank: [m.method ? 1 : 0, headers.length, query.length], backends };
}

function gatewayPath(m: HTTPRouteMatch): { path: string; kind: PathKind } {
  const type = m.path?.type ?? 'PathPrefix';
  const value = m.path?.value ?? '/';
  if (type === 'Exact') return { path: value, kind: 'Exact' };
  if (type === 'RegularExpression') return { path: value, kind: 'RegularExpression' };
  return { path: normalizePrefix(value), kind: 'Prefix' };
}

function addRoutes(b: Builder, c: Cluster): void {
  for (const { route, gateway, listeners } of attachments(c)) {
    const ns = route.metadata.namespace!;
    for (const l of gateway.spec.listeners.filter((x) => listeners.includes(x.name))) {
      for (const hostname of routeHostnames(route, l.hostname)) {
        const host = b.host(hostname, true);
        if (l.protocol === 'HTTPS') {
          const ref = l.tls?.certificateRefs?.[0];
          if (ref && !host.certificate) host.certificate = b.certificate(ref.namespace ?? gateway.metadata.namespace!, ref.name);
        }
        for (const rule of route.spec.rules ?? []) {
          const backends = (rule.backendRefs ?? [])
            .filter((r) => (r.weight ?? 1) > 0)
            .map((r) => (backendRefProblem(c, route, r) ? { weight: r.weight ?? 1, invalid: true } : { upstream: b.upstream(r.namespace ?? ns, r.name, { number: r.port }), weight: r.weight ?? 1 }));
          for (const m of rule.matches ?? [{ path: { type: 'PathPrefix' as const, value: '/' } }]) {
            const candidate = matchCandidate(m, backends);
            if (candidate) b.addRoute(host, { ...gatewayPath(m), candidates: [candidate] });
          }
        }
      }
    }
  }
}

export function buildModel(c: Cluster, className: string): Model {
  const b = new Builder(c);
  b.host('');
  addIngresses(b, ourIngresses(c, className));
  addRoutes(b, c);
  return b.result();
}
