// What kube-apiserver's RBAC post-start hook does: the default cluster roles
// and bindings exist (missing ones are created at start; ones users changed are
// left alone). Aggregated roles (admin, edit, view) get the rules of the roles
// their selectors pick, as the clusterrole-aggregation controller would.
import { aggregate } from '../../api/aggregation.js';
import { types } from '../../api/resources.js';
import type { ClusterRole, KubeObject, RoleBinding } from '../../api/types.js';
import type { Registry } from '../registry.js';
import { componentBindings, componentClusterRoles } from './components.js';
import { clusterInfoReader, nodeBootstrapClusterRoleBindings, nodeBootstrapClusterRoles } from './node-bootstrap.js';
import { bootstrapAnnotations, bootstrapLabels, clusterRoleBindings, clusterRoles, controllerRoles } from './roles.js';

const controllerPrefix = 'system:controller:';

function meta(name: string, labels: Record<string, string> = {}): KubeObject['metadata'] {
  return { name, labels: { ...bootstrapLabels, ...labels }, annotations: { ...bootstrapAnnotations } };
}

/** The lab's own components' roles are not upstream defaults: labelled as the lab's. */
const labMeta = (name: string): KubeObject['metadata'] => ({ name, labels: { 'app.kubernetes.io/part-of': 'svclab' } });

function bootstrapClusterRoles(): ClusterRole[] {
  const roles: ClusterRole[] = clusterRoles.map((r) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta(r.name, r.labels),
    ...(r.aggregationRule ? { aggregationRule: r.aggregationRule } : {}),
    rules: r.rules ?? [],
  }));
  aggregate(roles);
  for (const [name, rules] of Object.entries(controllerRoles)) {
    roles.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(controllerPrefix + name), rules });
  }
  for (const r of [...componentClusterRoles, ...nodeBootstrapClusterRoles]) roles.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: labMeta(r.name), rules: r.rules });
  return roles;
}

function bootstrapClusterRoleBindings(): RoleBinding[] {
  const binding = (role: string, subjects: RoleBinding['subjects'], metadata = meta(role)): RoleBinding => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects,
  });
  return [
    ...clusterRoleBindings.map((b) => binding(b.role, b.subjects)),
    ...Object.keys(controllerRoles).map((name) => binding(controllerPrefix + name, [{ kind: 'ServiceAccount', name, namespace: 'kube-system' }])),
    ...[...componentBindings, ...nodeBootstrapClusterRoleBindings].map((b) => binding(b.role, b.subjects, labMeta(b.name))),
  ];
}

export async function ensureBootstrapPolicy(registry: Registry): Promise<void> {
  const missing = (key: string) => (o: KubeObject) => !registry.store.get(key, o.metadata.name!);
  // Written together, so the store's group commit makes them a few fsyncs rather than one each.
  await Promise.all([
    ...bootstrapClusterRoles().filter(missing('rbac.authorization.k8s.io/clusterroles')).map((r) => registry.create(types.clusterroles, undefined, r)),
    ...bootstrapClusterRoleBindings().filter(missing('rbac.authorization.k8s.io/clusterrolebindings')).map((b) => registry.create(types.clusterrolebindings, undefined, b)),
  ]);
  const { namespace, name, rules, subjects } = clusterInfoReader;
  if (!registry.store.get('rbac.authorization.k8s.io/roles', `${namespace}/${name}`)) await registry.create(types.roles, namespace, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: labMeta(name), rules });
  if (!registry.store.get('rbac.authorization.k8s.io/rolebindings', `${namespace}/${name}`)) {
    await registry.create(types.rolebindings, namespace, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: labMeta(name), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects });
  }
}
