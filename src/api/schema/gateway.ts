// gateway.networking.k8s.io/v1: GatewayClass, Gateway, HTTPRoute. Custom resources upstream (no
// protobuf there; the numbers here only serve the shared description format), described from
// the Gateway API reference; fields the lab does not implement are listed under '+'.
import type { Package } from './describe.js';

const conditions = '[]meta.Condition -- Conditions as the controller writes them (Accepted, Programmed, ResolvedRefs...).';

export const gateway: Package = {
  name: 'gateway',
  openapiPrefix: 'io.k8s.networking.gateway.v1',
  messages: {
    GatewayClass: {
      '': 'A kind of Gateway and the controller that implements it.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 GatewayClassSpec required -- The controller.',
      status: '3 GatewayClassStatus -- Whether the controller accepted the class.',
    },
    GatewayClassSpec: {
      '': 'What a GatewayClass is.',
      '+': 'parametersRef',
      controllerName: '1 string required -- The controller, as a domain-prefixed path (svclab.io/nginx-gateway for the lab\'s). Cannot change.',
      description: '2 string? -- Free text.',
    },
    GatewayClassStatus: { '': 'The observed state of a GatewayClass.', '+': 'supportedFeatures', conditions: `1 ${conditions}` },
    Gateway: {
      '': 'A load balancer\'s listeners (port, protocol, hostname, TLS) that routes attach to.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 GatewaySpec required -- The class and listeners.',
      status: '3 GatewayStatus -- The addresses and the state of each listener.',
    },
    GatewaySpec: {
      '': 'What a Gateway is.',
      '+': 'addresses infrastructure backendTLS allowedListeners',
      gatewayClassName: '1 string required -- The GatewayClass.',
      listeners: '2 []Listener required -- The listeners; names are unique.',
    },
    Listener: {
      '': 'A port, protocol and optional hostname that routes attach to.',
      name: '1 string required -- Its name, unique in the Gateway (a route\'s sectionName).',
      hostname: '2 string? -- Only requests for this host (a wildcard may stand for the first label).',
      port: '3 int32 required -- The port.',
      protocol: '4 string required -- HTTP, HTTPS, TLS, TCP or UDP (the lab serves HTTP on 80 and HTTPS on 443).',
      tls: '5 GatewayTLSConfig -- TLS for HTTPS and TLS listeners.',
      allowedRoutes: '6 AllowedRoutes -- Which routes may attach (the Gateway\'s namespace by default).',
    },
    GatewayTLSConfig: {
      '': 'TLS of a listener.',
      '+': 'options frontendValidation',
      mode: '1 string? enum:Passthrough|Terminate -- Terminate (the default) or Passthrough.',
      certificateRefs: '2 []SecretObjectReference -- The kubernetes.io/tls Secrets with the certificates.',
    },
    SecretObjectReference: {
      '': 'A Secret.',
      group: '1 string? -- "" (core).',
      kind: '2 string? -- Secret.',
      name: '3 string required -- Its name.',
      namespace: '4 string? -- Its namespace; the Gateway\'s when unset.',
    },
    AllowedRoutes: {
      '': 'Which routes may attach to a listener.',
      namespaces: '1 RouteNamespaces -- From which namespaces.',
      kinds: '2 []RouteGroupKind -- Of which kinds.',
    },
    RouteNamespaces: {
      '': 'Namespaces routes may attach from.',
      from: '1 string? enum:All|Same|Selector -- Same (the default), All, or those the selector picks.',
      selector: '2 meta.LabelSelector -- With from: Selector.',
    },
    RouteGroupKind: { '': 'A kind of route.', group: '1 string? -- Its group.', kind: '2 string required -- Its kind.' },
    GatewayStatus: {
      '': 'The observed state of a Gateway.',
      addresses: '1 []GatewayStatusAddress -- Where the Gateway is reachable.',
      conditions: `2 ${conditions}`,
      listeners: '3 []ListenerStatus -- The state of each listener.',
    },
    GatewayStatusAddress: { '': 'An address.', type: '1 string? -- IPAddress or Hostname.', value: '2 string required -- The address.' },
    ListenerStatus: {
      '': 'The state of a listener.',
      name: '1 string required -- The listener.',
      supportedKinds: '2 []RouteGroupKind required -- The route kinds it takes.',
      attachedRoutes: '3 int32 required -- How many routes attach to it.',
      conditions: `4 ${conditions.replace('--', 'required --')}`,
    },
    HTTPRoute: {
      '': 'HTTP routing rules for the hosts of the Gateway listeners it attaches to.',
      metadata: '1 meta.ObjectMeta -- Standard object metadata.',
      spec: '2 HTTPRouteSpec -- Parents, hostnames and rules.',
      status: '3 HTTPRouteStatus -- Whether each parent accepted the route.',
    },
    HTTPRouteSpec: {
      '': 'What an HTTPRoute routes.',
      parentRefs: '1 []ParentReference -- The Gateways (or their listeners) it attaches to.',
      hostnames: '2 []string -- The hosts it serves; the listener\'s when unset.',
      rules: '3 []HTTPRouteRule -- Matches and backends.',
    },
    ParentReference: {
      '': 'A Gateway, or one of its listeners.',
      group: '1 string? -- gateway.networking.k8s.io.',
      kind: '2 string? -- Gateway.',
      namespace: '3 string? -- The route\'s namespace when unset.',
      name: '4 string required -- The Gateway.',
      sectionName: '5 string? -- A listener name.',
      port: '6 int32? -- A listener port.',
    },
    HTTPRouteRule: {
      '': 'Which requests (any of the matches) go to which backends.',
      '+': 'filters timeouts retry sessionPersistence',
      name: '1 string? -- Its name.',
      matches: '2 []HTTPRouteMatch -- Conditions; a request matching any one is routed here (PathPrefix / by default).',
      backendRefs: '3 []HTTPBackendRef -- The backends, sharing requests by weight.',
    },
    HTTPRouteMatch: {
      '': 'Conditions a request must all meet.',
      path: '1 HTTPPathMatch -- The path.',
      headers: '2 []HTTPHeaderMatch -- Headers that must all match.',
      queryParams: '4 []HTTPQueryParamMatch -- Query parameters that must all match.',
      method: '3 string? enum:CONNECT|DELETE|GET|HEAD|OPTIONS|PATCH|POST|PUT|TRACE -- The method.',
    },
    HTTPPathMatch: {
      '': 'A path condition.',
      type: '1 string? enum:Exact|PathPrefix|RegularExpression -- PathPrefix (the default) matches whole path elements.',
      value: '2 string? -- The path ("/" by default).',
    },
    HTTPHeaderMatch: {
      '': 'A header condition.',
      type: '1 string? enum:Exact|RegularExpression -- Exact by default.',
      name: '2 string required -- The header name (case-insensitive).',
      value: '3 string required -- The value.',
    },
    HTTPQueryParamMatch: {
      '': 'A query parameter condition.',
      type: '1 string? enum:Exact|RegularExpression -- Exact by default.',
      name: '2 string required -- The parameter name.',
      value: '3 string required -- The value.',
    },
    HTTPBackendRef: {
      '': 'A backend (a Service port) and its share of requests.',
      '+': 'filters',
      group: '1 string? -- "" (core) by default.',
      kind: '2 string? -- Service by default.',
      name: '3 string required -- The Service.',
      namespace: '4 string? -- The route\'s namespace when unset.',
      port: '5 int32? -- The Service port; required for Services.',
      weight: '6 int32? -- Its share of requests relative to the others (1 by default; 0: none).',
    },
    HTTPRouteStatus: { '': 'The observed state of an HTTPRoute.', parents: '1 []RouteParentStatus required -- One entry per parent and controller.' },
    RouteParentStatus: {
      '': 'Whether one parent accepted the route.',
      parentRef: '1 ParentReference required -- The parent.',
      controllerName: '2 string required -- The controller that wrote this entry.',
      conditions: `3 ${conditions}`,
    },
  },
};
