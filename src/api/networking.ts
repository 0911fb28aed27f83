// networking.k8s.io/v1 (Ingress, IngressClass) and gateway.networking.k8s.io/v1 (GatewayClass,
// Gateway, HTTPRoute) shapes. Only the fields the lab reads are typed.
import type { KubeObject, LabelSelectorObject } from './types.js';

export const ingressClassAnnotation = 'kubernetes.io/ingress.class';
export const defaultIngressClassAnnotation = 'ingressclass.kubernetes.io/is-default-class';
type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

interface ServiceBackendPort {
  name?: string;
  number?: number;
}

export interface IngressBackend {
  service?: { name: string; port?: ServiceBackendPort };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface HTTPIngressPath {
  path?: string;
  pathType?: PathType;
  backend: IngressBackend;
}

interface IngressRule {
  host?: string;
  http?: { paths: HTTPIngressPath[] };
}

interface IngressTLS {
  hosts?: string[];
  secretName?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ports?: { port: number; protocol: string; error?: string }[];
}

export interface Ingress extends KubeObject {
  spec: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: IngressTLS[];
    rules?: IngressRule[];
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface IngressClass extends KubeObject {
  spec: {
    controller?: string;
    parameters?: { apiGroup?: string; kind: string; name: string; scope?: string; namespace?: string };
  };
}

// ---- Gateway API ----

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface GatewayClass extends KubeObject {
  spec: { controllerName: string; description?: string };
  status?: { conditions?: Condition[] };
}

export interface GatewayListener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: { mode?: 'Terminate' | 'Passthrough'; certificateRefs?: { group?: string; kind?: string; name: string; namespace?: string }[] };
  allowedRoutes?: { namespaces?: { from?: 'All' | 'Same' | 'Selector'; selector?: LabelSelectorObject } };
}

export interface Gateway extends KubeObject {
  spec: { gatewayClassName: string; listeners: GatewayListener[] };
  status?: {
    addresses?: { type?: string; value: string }[];
    conditions?: Condition[];
    listeners?: { name: string; supportedKinds: { group?: string; kind: string }[]; attachedRoutes: number; conditions: Condition[] }[];
  };
}

interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

interface HTTPPathMatch {
  type?: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value?: string;
}

interface HTTPHeaderMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

export interface HTTPRouteMatch {
  path?: HTTPPathMatch;
  headers?: HTTPHeaderMatch[];
  queryParams?: HTTPHeaderMatch[];
  method?: string;
}

export interface HTTPBackendRef {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
}

interface HTTPRouteRule {
  matches?: HTTPRouteMatch[];
  backendRefs?: HTTPBackendRef[];
}

interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface HTTPRoute extends KubeObject {
  spec: { parentRefs?: ParentReference[]; hostnames?: string[]; rules?: HTTPRouteRule[] };
  status?: { parents: RouteParentStatus[] };
}
