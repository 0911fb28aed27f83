// The resource types the lab serves: one table drives routing, discovery and the store.

export interface ResourceType {
  group: string; // '' = core
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  verbs?: string[];
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const resourceTypes: ResourceType[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], subresources: ['status'], verbs: allVerbs.filter((v) => v !== 'deletecollection') },
  { group: '', version: 'v1', kind: 'Node', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'], subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'] },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease', namespaced: true },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status', 'log', 'exec', 'binding'] },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', singular: 'endpoints', namespaced: true, shortNames: ['ep'] },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices', singular: 'endpointslice', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', singular: 'secret', namespaced: true },
  { group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'], subresources: ['token'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', singular: 'clusterrole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', singular: 'clusterrolebinding', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', singular: 'role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', singular: 'rolebinding', namespaced: true },
  // Reviews: created and answered, never stored (apiserver/auth/reviews.ts).
  { group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview', plural: 'selfsubjectreviews', singular: 'selfsubjectreview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', singular: 'localsubjectaccessreview', namespaced: true, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', namespaced: false, verbs: ['create'] },
  { group: 'authorization.k8s.io', version: 'v1', kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', singular: 'subjectaccessreview', namespaced: false, verbs: ['create'] },
  // Certificate requests (kubelet TLS bootstrap): approved through /approval, issued through /status.
  { group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest', plural: 'certificatesigningrequests', singular: 'certificatesigningrequest', namespaced: false, shortNames: ['csr'], subresources: ['approval', 'status'] },
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', plural: 'ingresses', singular: 'ingress', namespaced: true, shortNames: ['ing'], subresources: ['status'] },
  { group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', plural: 'ingressclasses', singular: 'ingressclass', namespaced: false },
  // Gateway API: CRDs upstream (categories and short names as its CRDs declare them).
  { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'GatewayClass', plural: 'gatewayclasses', singular: 'gatewayclass', namespaced: false, shortNames: ['gc'], categories: ['gateway-api'], subresources: ['status'] },
  { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway', plural: 'gateways', singular: 'gateway', namespaced: true, shortNames: ['gtw'], categories: ['gateway-api'], subresources: ['status'] },
  { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute', plural: 'httproutes', singular: 'httproute', namespaced: true, categories: ['gateway-api'], subresources: ['status'] },
  // The machines of a lab spread over several hosts (`lab join`, issue #18): svclab's own kind.
  { group: 'hosts.svclab.io', version: 'v1', kind: 'Host', plural: 'hosts', singular: 'host', namespaced: false, subresources: ['status'] },
];

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** Stable key for a resource type inside the store: "core/pods", "apps/deployments". */
export function typeKey(t: ResourceType): string {
  return `${t.group || 'core'}/${t.plural}`;
}

export function findType(group: string, version: string, plural: string): ResourceType | undefined {
  return resourceTypes.find((t) => t.group === group && t.version === version && t.plural === plural);
}

export function findKind(apiVersion: string, kind: string): ResourceType | undefined {
  return resourceTypes.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

function mustFind(group: string, plural: string): ResourceType {
  const t = resourceTypes.find((r) => r.group === group && r.plural === plural);
  if (!t) throw new Error(`unknown resource ${group}/${plural}`);
  return t;
}

/** Resource types by name, for clients. */
export const types = {
  namespaces: mustFind('', 'namespaces'),
  nodes: mustFind('', 'nodes'),
  events: mustFind('', 'events'),
  leases: mustFind('coordination.k8s.io', 'leases'),
  pods: mustFind('', 'pods'),
  services: mustFind('', 'services'),
  endpoints: mustFind('', 'endpoints'),
  endpointslices: mustFind('discovery.k8s.io', 'endpointslices'),
  replicasets: mustFind('apps', 'replicasets'),
  deployments: mustFind('apps', 'deployments'),
  ingresses: mustFind('networking.k8s.io', 'ingresses'),
  ingressclasses: mustFind('networking.k8s.io', 'ingressclasses'),
  gatewayclasses: mustFind('gateway.networking.k8s.io', 'gatewayclasses'),
  gateways: mustFind('gateway.networking.k8s.io', 'gateways'),
  httproutes: mustFind('gateway.networking.k8s.io', 'httproutes'),
  hosts: mustFind('hosts.svclab.io', 'hosts'),
  configmaps: mustFind('', 'configmaps'),
  secrets: mustFind('', 'secrets'),
  serviceaccounts: mustFind('', 'serviceaccounts'),
  roles: mustFind('rbac.authorization.k8s.io', 'roles'),
  clusterroles: mustFind('rbac.authorization.k8s.io', 'clusterroles'),
  rolebindings: mustFind('rbac.authorization.k8s.io', 'rolebindings'),
  clusterrolebindings: mustFind('rbac.authorization.k8s.io', 'clusterrolebindings'),
  certificatesigningrequests: mustFind('certificates.k8s.io', 'certificatesigningrequests'),
  subjectaccessreviews: mustFind('authorization.k8s.io', 'subjectaccessreviews'),
};
