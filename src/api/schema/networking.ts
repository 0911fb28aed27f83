// networking.k8s.io/v1: Ingresses and IngressClasses (`kubectl create ingress` sends protobuf).
import type { Package } from './describe.js';

const backend = 'IngressBackend -- Where matching requests go: a service port, or a resource of another kind.';

export const networking: Package = {
  name: 'networking',
  openapiPrefix: 'io.k8s.api.networking.v1',
  messages: {
    Ingress: {
      '': 'HTTP(S) routing from outside the cluster to services, by host and path, served by an ingress controller.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 IngressSpec -- The rules, TLS and default backend.',
      status: '3 IngressStatus -- Where the ingress is reachable, written by its controller.',
    },
    IngressSpec: {
      '': 'What an ingress routes.',
      ingressClassName: '4 string? -- The IngressClass whose controller serves this ingress; the default class when unset.',
      defaultBackend: `1 ${backend.replace('Where matching requests go', 'Where requests no rule matches go')}`,
      tls: '2 []IngressTLS -- TLS: which hosts are served with which certificate Secret.',
      rules: '3 []IngressRule -- Host rules, each with its paths; matched against every incoming request.',
    },
    IngressBackend: {
      '': 'A backend: a service port, or a resource.',
      service: '4 IngressServiceBackend -- A service and port of the ingress\'s namespace.',
      resource: '3 TypedLocalObjectReference -- An object of another kind (for example a storage bucket); not with service.',
    },
    IngressServiceBackend: {
      '': 'A service port as a backend.',
      name: '1 string required -- The service name.',
      port: '2 ServiceBackendPort -- The service port, by name or number.',
    },
    ServiceBackendPort: { '': 'A service port, by name or number (not both).', name: '1 string -- The port name.', number: '2 int32 -- The port number.' },
    TypedLocalObjectReference: {
      '': 'An object of the same namespace, by kind and name.',
      apiGroup: '1 string? -- Its API group; the core group when unset.',
      kind: '2 string required -- Its kind.',
      name: '3 string required -- Its name.',
    },
    IngressTLS: {
      '': 'Hosts served over TLS with one certificate.',
      hosts: '1 []string -- Host names in the certificate; a wildcard may stand for the first label.',
      secretName: '2 string -- The kubernetes.io/tls Secret with the certificate and key; SNI picks it.',
    },
    IngressRule: {
      '': 'The paths of one host (or every host when host is unset).',
      host: '1 string -- A DNS name (no IP, no port); "*." may stand for exactly one first label.',
      // IngressRuleValue is embedded in Go: its http field sits beside host in JSON.
      ingressRuleValue: '2 ...IngressRuleValue -- The HTTP paths.',
    },
    IngressRuleValue: { '': 'The HTTP paths of a rule.', http: '1 HTTPIngressRuleValue -- The paths.' },
    HTTPIngressRuleValue: { '': 'The paths of a host.', paths: '1 []HTTPIngressPath required -- Paths and their backends; the longest matching path wins.' },
    HTTPIngressPath: {
      '': 'A path and its backend.',
      path: '1 string -- The path, starting with "/".',
      pathType: '3 string? required enum:Exact|ImplementationSpecific|Prefix -- Exact: the path only; Prefix: by whole path elements (/foo matches /foo/bar, not /foobar); ImplementationSpecific: up to the controller.',
      backend: `2 ${backend.replace('--', 'required --')}`,
    },
    IngressStatus: { '': 'The observed state of an ingress.', loadBalancer: '1 IngressLoadBalancerStatus -- Its load-balancer addresses.' },
    IngressLoadBalancerStatus: { '': 'The addresses of an ingress.', ingress: '1 []IngressLoadBalancerIngress -- Where the ingress controller is reachable.' },
    IngressLoadBalancerIngress: {
      '': 'One address of an ingress.',
      ip: '1 string -- An IP address.',
      hostname: '2 string -- A DNS name.',
      ports: '4 []IngressPortStatus -- The state of its ports.',
    },
    IngressPortStatus: {
      '': 'The state of a port.',
      port: '1 int32 required -- The port number.',
      protocol: '2 string required enum:SCTP|TCP|UDP -- The protocol.',
      error: '3 string? -- What is wrong with it, when something is.',
    },
    IngressClass: {
      '': 'A kind of ingress and the controller that serves it; the annotation ingressclass.kubernetes.io/is-default-class: "true" makes it the default.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 IngressClassSpec -- The controller and its parameters.',
    },
    IngressClassSpec: {
      '': 'What an ingress class is.',
      controller: '1 string -- The controller, as a domain-prefixed path such as k8s.io/ingress-nginx. Cannot change.',
      parameters: '2 IngressClassParametersReference -- Controller-specific configuration.',
    },
    IngressClassParametersReference: {
      '': 'An object holding controller-specific configuration.',
      apiGroup: '1 string? -- Its API group.',
      kind: '2 string required -- Its kind.',
      name: '3 string required -- Its name.',
      scope: '4 string? enum:Cluster|Namespace -- Cluster (the default) or Namespace.',
      namespace: '5 string? -- Its namespace, with scope Namespace.',
    },
  },
};
