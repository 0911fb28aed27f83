// What kube-apiserver's RBAC post-start hook does: the default cluster roles
// and bindings exist (missing ones are created at start; ones users changed are
// left alone). Aggregated roles (admin, edit, view) get the rules of the roles
// their selectors pick, as the clusterrole-aggregation controller would.
import { isDeepStrictEqual } from 'node:util';
import { matches, selectorFromObject } from '../../api/labels.js';
import { types } from '../../api/resources.js';
import type { ClusterRole, KubeObject, PolicyRule, RoleBinding } from '../../api/types.js';
import type { Registry } from '../registry.js';
import { componentBindings, componentClusterRoles } from './components.js';
import { bootstrapAnnotations, bootstrapLabels, clusterRoleBindings, clusterRoles, controllerRoles } from './roles.js';

const controllerPrefix = 'system:controller:';

function meta(name: string, labels: Record<string, string> = {}): KubeObject['metadata'] {
  return { name, labels: { ...bootstrapLabels, ...labels }, annotations: { ...bootstrapAnnotations } };
}

/** The lab's own components' roles are not upstream defaults: labelled as the lab's. */
const labMeta = (name: string): KubeObject['metadata'] => ({ name, labels: { 'app.kubernetes.io/part-of': 'svclab' } });

/** Rules of every aggregated role: the union of the rules of the roles it selects (by name order, without repeats). */
export function aggregate(roles: ClusterRole[]): void {
  const byName = [...roles].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  // admin selects edit, which selects view: repeat until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const role of roles.filter((r) => r.aggregationRule)) {
      const selectors = (role.aggregationRule!.clusterRoleSelectors ?? []).map(selectorFromObject);
      const rules: PolicyRule[] = [];
      for (const other of byName) {
        if (other === role || !selectors.some((s) => matches(s, other.metadata.labels))) continue;
        for (const r of other.rules ?? []) if (!rules.some((x) => isDeepStrictEqual(x, r))) rules.push(r);
      }
      if (!isDeepStrictEqual(rules, role.rules ?? [])) {
        role.rules = rules;
        changed = true;
      }
    }
  }
}

export function bootstrapClusterRoles(): ClusterRole[] {
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
  for (const r of componentClusterRoles) roles.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: labMeta(r.name), rules: r.rules });
  return roles;
}

export function bootstrapClusterRoleBindings(): RoleBinding[] {
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
    ...componentBindings.map((b) => binding(b.role, b.subjects, labMeta(b.name))),
  ];
}

export async function ensureBootstrapPolicy(registry: Registry): Promise<void> {
  const missing = (key: string) => (o: KubeObject) => !registry.store.get(key, o.metadata.name!);
  // Written together, so the store's group commit makes them a few fsyncs rather than one each.
  await Promise.all([
    ...bootstrapClusterRoles().filter(missing('rbac.authorization.k8s.io/clusterroles')).map((r) => registry.create(types.clusterroles, undefined, r)),
    ...bootstrapClusterRoleBindings().filter(missing('rbac.authorization.k8s.io/clusterrolebindings')).map((b) => registry.create(types.clusterrolebindings, undefined, b)),
  ]);
}
