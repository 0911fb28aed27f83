// The default roles and bindings of a Kubernetes cluster (plugin/pkg/auth/
// authorizer/rbac/bootstrappolicy upstream, the feature-gate-free set): who they
// are for and what they allow, written as data. admin/edit/view are aggregated
// from the roles their selectors pick (see policy.ts).
import type { ClusterRole, PolicyRule, RoleBinding } from '../../api/types.js';

const words = (s: string): string[] => s.split(' ').filter(Boolean).sort();

/** One rule: verbs, API groups ('core' is the legacy "" group), resources, optional resource names; sorted as upstream's rule builder stores them. */
export function rule(verbs: string, groups: string, resources: string, names?: string): PolicyRule {
  const r: PolicyRule = { verbs: words(verbs), apiGroups: words(groups).map((g) => (g === 'core' ? '' : g)).sort(), resources: words(resources) };
  if (names) r.resourceNames = words(names);
  return r;
}

function urls(verbs: string, paths: string): PolicyRule {
  return { verbs: words(verbs), nonResourceURLs: words(paths) };
}

const events = rule('create update patch', 'core events.k8s.io', 'events');
const rw = 'create delete deletecollection patch update';
const read = 'get list watch';

export const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
export const bootstrapAnnotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

const aggregate = (to: string): ClusterRole['aggregationRule'] => ({ clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' } }] });

/** Cluster roles that are not a controller's: name, rules, extra labels, aggregation. */
export const clusterRoles: { name: string; rules?: PolicyRule[]; labels?: Record<string, string>; aggregationRule?: ClusterRole['aggregationRule'] }[] = [
  { name: 'cluster-admin', rules: [rule('*', '*', '*'), urls('*', '*')] },
  { name: 'admin', aggregationRule: aggregate('admin') },
  { name: 'edit', aggregationRule: aggregate('edit'), labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' } },
  { name: 'view', aggregationRule: aggregate('view'), labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } },
  {
    name: 'system:aggregate-to-admin',
    labels: { 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' },
    rules: [rule('create', 'authorization.k8s.io', 'localsubjectaccessreviews'), rule(`${rw} ${read}`, 'rbac.authorization.k8s.io', 'rolebindings roles')],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' },
    rules: [
      rule(read, 'core', 'pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy'),
      rule('impersonate', 'core', 'serviceaccounts'),
      rule(rw, 'core', 'pods pods/attach pods/exec pods/portforward pods/proxy'),
      rule('create', 'core', 'pods/eviction'),
      rule(rw, 'core', 'configmaps events persistentvolumeclaims replicationcontrollers replicationcontrollers/scale secrets serviceaccounts services services/proxy'),
      rule('create', 'core', 'serviceaccounts/token'),
      rule(rw, 'apps', 'daemonsets deployments deployments/rollback deployments/scale replicasets replicasets/scale statefulsets statefulsets/scale'),
      rule(rw, 'autoscaling', 'horizontalpodautoscalers'),
      rule(rw, 'batch', 'cronjobs jobs'),
      rule(rw, 'extensions', 'daemonsets deployments deployments/rollback deployments/scale ingresses networkpolicies replicasets replicasets/scale replicationcontrollers/scale'),
      rule(rw, 'policy', 'poddisruptionbudgets'),
      rule(rw, 'networking.k8s.io', 'ingresses networkpolicies'),
      rule(`${rw} ${read}`, 'coordination.k8s.io', 'leases'),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
    rules: [
      rule(read, 'core', 'configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods replicationcontrollers replicationcontrollers/scale serviceaccounts services services/status'),
      rule(read, 'core', 'bindings events limitranges namespaces/status pods/log pods/status replicationcontrollers/status resourcequotas resourcequotas/status'),
      rule(read, 'core', 'namespaces'),
      rule(read, 'discovery.k8s.io', 'endpointslices'),
      rule(read, 'apps', 'controllerrevisions daemonsets daemonsets/status deployments deployments/scale deployments/status replicasets replicasets/scale replicasets/status statefulsets statefulsets/scale statefulsets/status'),
      rule(read, 'autoscaling', 'horizontalpodautoscalers horizontalpodautoscalers/status'),
      rule(read, 'batch', 'cronjobs cronjobs/status jobs jobs/status'),
      rule(read, 'extensions', 'daemonsets daemonsets/status deployments deployments/scale deployments/status ingresses ingresses/status networkpolicies replicasets replicasets/scale replicasets/status replicationcontrollers/scale'),
      rule(read, 'policy', 'poddisruptionbudgets poddisruptionbudgets/status'),
      rule(read, 'networking.k8s.io', 'ingresses ingresses/status networkpolicies'),
    ],
  },
  { name: 'system:discovery', rules: [urls('get', '/api /api/* /apis /apis/* /healthz /livez /openapi /openapi/* /readyz /version /version/')] },
  { name: 'system:public-info-viewer', rules: [urls('get', '/healthz /livez /readyz /version /version/')] },
  {
    name: 'system:basic-user',
    rules: [rule('create', 'authorization.k8s.io', 'selfsubjectaccessreviews selfsubjectrulesreviews'), rule('create', 'authentication.k8s.io', 'selfsubjectreviews')],
  },
  { name: 'system:kube-dns', rules: [rule('list watch', 'core', 'endpoints services')] },
  {
    // The kubelet's rights (NodeRules upstream), which the Node authorizer applies (auth/node.ts).
    name: 'system:node',
    rules: [
      rule('create', 'authentication.k8s.io', 'tokenreviews'),
      rule('create', 'authorization.k8s.io', 'localsubjectaccessreviews subjectaccessreviews'),
      rule(read, 'core', 'services'),
      rule('create get list watch', 'core', 'nodes'),
      rule('patch update', 'core', 'nodes/status'),
      rule('patch update', 'core', 'nodes'),
      rule('create patch update', 'core', 'events'),
      rule(read, 'core', 'pods'),
      rule('create delete', 'core', 'pods'),
      rule('patch update', 'core', 'pods/status'),
      rule('create', 'core', 'pods/eviction'),
      rule(read, 'core', 'configmaps secrets'),
      rule('get', 'core', 'persistentvolumeclaims persistentvolumes'),
      rule('get', 'core', 'endpoints'),
      rule('create get list watch', 'certificates.k8s.io', 'certificatesigningrequests'),
      rule('create delete get patch update', 'coordination.k8s.io', 'leases'),
      rule('get', 'storage.k8s.io', 'volumeattachments'),
      rule('create', 'core', 'serviceaccounts/token'),
      rule('get list watch', 'storage.k8s.io', 'csidrivers'),
      rule('create delete get patch update', 'storage.k8s.io', 'csinodes'),
      rule(read, 'node.k8s.io', 'runtimeclasses'),
    ],
  },
  {
    name: 'system:kube-controller-manager',
    rules: [
      events,
      rule('create', 'coordination.k8s.io', 'leases'),
      rule('get update', 'coordination.k8s.io', 'leases', 'kube-controller-manager'),
      rule('create', 'core', 'endpoints'),
      rule('get update', 'core', 'endpoints', 'kube-controller-manager'),
      rule('create', 'core', 'secrets serviceaccounts'),
      rule('delete', 'core', 'secrets'),
      rule('get', 'core', 'configmaps namespaces secrets serviceaccounts'),
      rule('update', 'core', 'secrets serviceaccounts'),
      rule('create', 'authentication.k8s.io', 'tokenreviews'),
      rule('create', 'authorization.k8s.io', 'subjectaccessreviews'),
      rule('list watch', '*', '*'),
      rule('create', 'core', 'serviceaccounts/token'),
    ],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      events,
      rule('create', 'coordination.k8s.io', 'leases'),
      rule('get update', 'coordination.k8s.io', 'leases', 'kube-scheduler'),
      rule(read, 'core', 'nodes'),
      rule('delete get list watch', 'core', 'pods'),
      rule('create', 'core', 'bindings pods/binding'),
      rule('patch update', 'core', 'pods/status'),
      rule(read, 'core', 'replicationcontrollers services'),
      rule(read, 'apps extensions', 'replicasets'),
      rule(read, 'apps', 'statefulsets'),
      rule(read, 'policy', 'poddisruptionbudgets'),
      rule(read, 'core', 'persistentvolumeclaims persistentvolumes'),
      rule('create', 'authentication.k8s.io', 'tokenreviews'),
      rule('create', 'authorization.k8s.io', 'subjectaccessreviews'),
      rule(read, 'storage.k8s.io', 'csinodes'),
      rule(read, 'core', 'namespaces'),
      rule(read, 'storage.k8s.io', 'csidrivers'),
      rule(read, 'storage.k8s.io', 'csistoragecapacities'),
    ],
  },
  // Kubelet TLS bootstrap: creating CSRs, and asking for client certificates (auto-approved by the approver).
  { name: 'system:node-bootstrapper', rules: [rule('create get list watch', 'certificates.k8s.io', 'certificatesigningrequests')] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [rule('create', 'certificates.k8s.io', 'certificatesigningrequests/nodeclient')] },
  { name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [rule('create', 'certificates.k8s.io', 'certificatesigningrequests/selfnodeclient')] },
  {
    name: 'system:node-proxier',
    rules: [rule('list watch', 'core', 'endpoints services'), rule(read, 'core', 'nodes'), events, rule('list watch', 'discovery.k8s.io', 'endpointslices')],
  },
];

/** Bindings of the roles above: role name -> subjects. */
export const clusterRoleBindings: { role: string; subjects: RoleBinding['subjects'] }[] = [
  { role: 'cluster-admin', subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }] },
  {
    role: 'system:discovery',
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }],
  },
  {
    role: 'system:public-info-viewer',
    subjects: [
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' },
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:unauthenticated' },
    ],
  },
  { role: 'system:basic-user', subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }] },
  { role: 'system:node-proxier', subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-proxy' }] },
  { role: 'system:kube-controller-manager', subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-controller-manager' }] },
  { role: 'system:kube-scheduler', subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:kube-scheduler' }] },
  // Without subjects, as upstream: the Node authorizer gives nodes these rules, narrowed to their own pods' objects.
  { role: 'system:node', subjects: [] },
];

/**
 * The roles of kube-controller-manager's controllers, "system:controller:<name>",
 * each bound to the kube-system ServiceAccount <name>.
 */
export const controllerRoles: Record<string, PolicyRule[]> = {
  'attachdetach-controller': [
    rule('list watch', 'core', 'persistentvolumeclaims persistentvolumes'),
    rule(read, 'core', 'nodes'),
    rule('patch update', 'core', 'nodes/status'),
    rule('list watch', 'core', 'pods'),
    events,
    rule('create delete get list watch', 'storage.k8s.io', 'volumeattachments'),
    rule(read, 'storage.k8s.io', 'csidrivers'),
    rule(read, 'storage.k8s.io', 'csinodes'),
  ],
  'certificate-controller': [
    rule('delete get list watch', 'certificates.k8s.io', 'certificatesigningrequests'),
    rule('update', 'certificates.k8s.io', 'certificatesigningrequests/approval certificatesigningrequests/status'),
    // kubelet-serving too: the lab approves a node's own serving request as kubelet-csr-approver does.
    rule('approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client-kubelet kubernetes.io/kubelet-serving'),
    rule('sign', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client kubernetes.io/kube-apiserver-client-kubelet kubernetes.io/kubelet-serving kubernetes.io/legacy-unknown'),
    rule('create', 'authorization.k8s.io', 'subjectaccessreviews'),
    events,
  ],
  'clusterrole-aggregation-controller': [rule('escalate get list patch update watch', 'rbac.authorization.k8s.io', 'clusterroles')],
  'cronjob-controller': [
    rule('get list update watch', 'batch', 'cronjobs'),
    rule('create delete get list patch update watch', 'batch', 'jobs'),
    rule('update', 'batch', 'cronjobs/status'),
    rule('update', 'batch', 'cronjobs/finalizers'),
    rule('delete list watch', 'core', 'pods'),
    events,
  ],
  'daemon-set-controller': [
    rule(read, 'apps extensions', 'daemonsets'),
    rule('update', 'apps extensions', 'daemonsets/status'),
    rule('update', 'apps extensions', 'daemonsets/finalizers'),
    rule('list watch', 'core', 'nodes'),
    rule('create delete list patch watch', 'core', 'pods'),
    rule('create', 'core', 'pods/binding'),
    rule('create delete get list patch update watch', 'apps', 'controllerrevisions'),
    events,
  ],
  'deployment-controller': [
    rule('get list update watch', 'apps extensions', 'deployments'),
    rule('update', 'apps extensions', 'deployments/status'),
    rule('update', 'apps extensions', 'deployments/finalizers'),
    rule('create delete get list patch update watch', 'apps extensions', 'replicasets'),
    rule('get list update watch', 'core', 'pods'),
    events,
  ],
  'disruption-controller': [
    rule(read, 'apps extensions', 'deployments'),
    rule(read, 'apps extensions', 'replicasets'),
    rule(read, 'core', 'replicationcontrollers'),
    rule(read, 'policy', 'poddisruptionbudgets'),
    rule(read, 'apps', 'statefulsets'),
    rule('update', 'policy', 'poddisruptionbudgets/status'),
    rule('patch update', 'core', 'pods/status'),
    rule('get', '*', '*/scale'),
    events,
  ],
  'endpoint-controller': [
    rule(read, 'core', 'pods services'),
    rule('create delete get list update watch', 'core', 'endpoints'),
    rule('create', 'core', 'endpoints/restricted'),
    events,
  ],
  'endpointslice-controller': [
    rule(read, 'core', 'nodes pods services'),
    rule('update', 'core', 'services/finalizers'),
    rule('create delete get list update watch', 'discovery.k8s.io', 'endpointslices'),
    events,
  ],
  'endpointslicemirroring-controller': [
    rule(read, 'core', 'endpoints services'),
    rule('update', 'core', 'services/finalizers'),
    rule('update', 'core', 'endpoints/finalizers'),
    rule('create delete get list update watch', 'discovery.k8s.io', 'endpointslices'),
    events,
  ],
  'ephemeral-volume-controller': [rule(read, 'core', 'pods'), rule('update', 'core', 'pods/finalizers'), rule('create get list watch', 'core', 'persistentvolumeclaims'), events],
  'expand-controller': [
    rule('get list patch update watch', 'core', 'persistentvolumes'),
    rule('patch update', 'core', 'persistentvolumeclaims/status'),
    rule(read, 'core', 'persistentvolumeclaims'),
    events,
    rule('get', 'core', 'services'),
  ],
  'generic-garbage-collector': [rule('delete get list patch update watch', '*', '*'), events],
  'horizontal-pod-autoscaler': [
    rule(read, 'autoscaling', 'horizontalpodautoscalers'),
    rule('update', 'autoscaling', 'horizontalpodautoscalers/status'),
    rule('get update', '*', '*/scale'),
    rule('list watch', 'core', 'pods'),
    rule('list watch', 'metrics.k8s.io', 'pods'),
    rule(read, 'custom.metrics.k8s.io', '*'),
    rule(read, 'external.metrics.k8s.io', '*'),
    events,
  ],
  'job-controller': [
    rule('get list patch update watch', 'batch', 'jobs'),
    rule('update', 'batch', 'jobs/status'),
    rule('update', 'batch', 'jobs/finalizers'),
    rule('create delete list patch watch', 'core', 'pods'),
    events,
  ],
  'legacy-service-account-token-cleaner': [rule('get', 'core', 'configmaps', 'kube-apiserver-legacy-service-account-token-tracking'), rule('delete patch', 'core', 'secrets')],
  'namespace-controller': [
    rule('delete get list watch', 'core', 'namespaces'),
    rule('update', 'core', 'namespaces/finalize namespaces/status'),
    rule('delete deletecollection get list watch', '*', '*'),
  ],
  'node-controller': [
    rule('delete get list patch update watch', 'core', 'nodes'),
    rule('patch update', 'core', 'nodes/status'),
    rule('patch update', 'core', 'pods/status'),
    rule('delete get list watch', 'core', 'pods'),
    events,
  ],
  'persistent-volume-binder': [
    rule('create delete get list update watch', 'core', 'persistentvolumes'),
    rule('update', 'core', 'persistentvolumes/status'),
    rule('get list update watch', 'core', 'persistentvolumeclaims'),
    rule('update', 'core', 'persistentvolumeclaims/status'),
    rule('create delete get list watch', 'core', 'pods'),
    rule(read, 'storage.k8s.io', 'storageclasses'),
    rule('list watch', 'core', 'nodes'),
    events,
    rule('watch', 'core', 'events'),
    rule('get', 'core', 'services'),
  ],
  'pod-garbage-collector': [rule('delete list watch', 'core', 'pods'), rule(read, 'core', 'nodes'), rule('patch', 'core', 'pods/status')],
  'pv-protection-controller': [rule('get list update watch', 'core', 'persistentvolumes'), events],
  'pvc-protection-controller': [rule('get list update watch', 'core', 'persistentvolumeclaims'), rule(read, 'core', 'pods'), events],
  'replicaset-controller': [
    rule('get list update watch', 'apps extensions', 'replicasets'),
    rule('update', 'apps extensions', 'replicasets/status'),
    rule('update', 'apps extensions', 'replicasets/finalizers'),
    rule('create delete list patch watch', 'core', 'pods'),
    events,
  ],
  'replication-controller': [
    rule('get list update watch', 'core', 'replicationcontrollers'),
    rule('update', 'core', 'replicationcontrollers/status'),
    rule('update', 'core', 'replicationcontrollers/finalizers'),
    rule('create delete list patch watch', 'core', 'pods'),
    events,
  ],
  'resourcequota-controller': [rule('list watch', '*', '*'), rule('update', 'core', 'resourcequotas/status'), events],
  'root-ca-cert-publisher': [rule('create update', 'core', 'configmaps'), events],
  'route-controller': [rule('list watch', 'core', 'nodes'), rule('patch', 'core', 'nodes/status'), events],
  'service-account-controller': [rule('create', 'core', 'serviceaccounts'), events],
  'service-controller': [rule(read, 'core', 'services'), rule('patch update', 'core', 'services/status'), rule('list watch', 'core', 'nodes'), events],
  'statefulset-controller': [
    rule('list watch', 'core', 'pods'),
    rule(read, 'apps', 'statefulsets'),
    rule('update', 'apps', 'statefulsets/status'),
    rule('update', 'apps', 'statefulsets/finalizers'),
    rule('create delete get patch update', 'core', 'pods'),
    rule('create delete get list patch update watch', 'apps', 'controllerrevisions'),
    rule('create get list watch', 'core', 'persistentvolumeclaims'),
    rule('delete update', 'core', 'persistentvolumeclaims'),
    rule('update', 'core', 'pods/finalizers'),
    events,
  ],
  'ttl-after-finished-controller': [rule('delete get list watch', 'batch', 'jobs'), events],
  'ttl-controller': [rule('list patch update watch', 'core', 'nodes'), events],
  'validatingadmissionpolicy-status-controller': [
    rule(read, 'admissionregistration.k8s.io', 'validatingadmissionpolicies'),
    rule('get patch update', 'admissionregistration.k8s.io', 'validatingadmissionpolicies/status'),
    events,
  ],
};
