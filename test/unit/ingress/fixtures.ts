// Objects for the controller's pure parts: Services with EndpointSlices, Ingresses, Gateway API objects.
import type { Gateway, GatewayClass, HTTPRoute, Ingress, IngressClass } from '../../../src/api/networking.js';
import type { EndpointSlice, Service } from '../../../src/api/types.js';
import { CONTROLLER, GATEWAY_CONTROLLER, type Cluster, type Secret } from '../../../src/ingress/model.js';

let clock = 0;
const created = (): string => new Date(Date.UTC(2026, 0, 1, 0, 0, clock++)).toISOString();

export function service(name: string, port: number, ips: string[], opts: { namespace?: string; targetPort?: number; portName?: string; notReady?: string[] } = {}): [Service, EndpointSlice] {
  const namespace = opts.namespace ?? 'default';
  const svc: Service = { metadata: { name, namespace }, spec: { ports: [{ name: opts.portName, port, protocol: 'TCP', targetPort: opts.targetPort ?? port }] } };
  const slice: EndpointSlice = {
    metadata: { name: `${name}-abcde`, namespace, labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    ports: [{ name: opts.portName ?? '', port: opts.targetPort ?? port, protocol: 'TCP' }],
    endpoints: [...ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })), ...(opts.notReady ?? []).map((ip) => ({ addresses: [ip], conditions: { ready: false } }))],
  };
  return [svc, slice];
}

export function ingressClass(name = 'nginx', isDefault = false): IngressClass {
  return { metadata: { name, annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {} }, spec: { controller: CONTROLLER } };
}

export function ingress(name: string, spec: Ingress['spec'], namespace = 'default'): Ingress {
  return { metadata: { name, namespace, creationTimestamp: created() }, spec: { ingressClassName: 'nginx', ...spec } };
}

export const backend = (name: string, number: number): { service: { name: string; port: { number: number } } } => ({ service: { name, port: { number } } });

export function tlsSecret(name: string, crt: string, key: string, namespace = 'default'): Secret {
  return { metadata: { name, namespace }, type: 'kubernetes.io/tls', data: { 'tls.crt': Buffer.from(crt).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') } };
}

export function gatewayObjects(): { gatewayClass: GatewayClass; gateway: Gateway } {
  return {
    gatewayClass: { metadata: { name: 'nginx' }, spec: { controllerName: GATEWAY_CONTROLLER } },
    gateway: { metadata: { name: 'gw', namespace: 'default', creationTimestamp: created(), generation: 1 }, spec: { gatewayClassName: 'nginx', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] } },
  };
}

export function httpRoute(name: string, spec: HTTPRoute['spec'], namespace = 'default'): HTTPRoute {
  return { metadata: { name, namespace, creationTimestamp: created(), generation: 1 }, spec: { parentRefs: [{ name: 'gw' }], ...spec } };
}

export function cluster(parts: Partial<Cluster> & { serviceParts?: [Service, EndpointSlice][] }): Cluster {
  const { serviceParts = [], ...rest } = parts;
  return {
    namespaces: [{ metadata: { name: 'default' } }, { metadata: { name: 'team-b', labels: { shared: 'yes' } } }],
    ingresses: [],
    ingressClasses: [ingressClass()],
    services: serviceParts.map((p) => p[0]),
    endpointSlices: serviceParts.map((p) => p[1]),
    secrets: [],
    gatewayClasses: [],
    gateways: [],
    httpRoutes: [],
    ...rest,
  };
}
