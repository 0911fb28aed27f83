import test from 'ava';
import type { ClusterRole, Role, RoleBinding } from '../../../../src/api/types.js';
import { defaultBinding, rbacName, validateBinding, validateClusterRole, validateRole } from '../../../../src/api/validation/rbac.js';

const messages = (errs: { field: string; message: string }[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);
const role = (rules: Role['rules']): Role => ({ metadata: { name: 'r', namespace: 'default' }, rules });

test('role names may not be . or .. or contain / or %', (t) => {
  t.deepEqual(rbacName('system:controller:x'), []);
  t.deepEqual(rbacName('..'), ["may not be '..'"]);
  t.deepEqual(rbacName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
});

test('policy rules: verbs, groups and resources required; non-resource URLs only in cluster roles and alone', (t) => {
  t.deepEqual(validateRole(role([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])), []);
  t.deepEqual(messages(validateRole(role([{ verbs: [] }]))), [
    'rules[0].verbs: Required value: verbs must contain at least one value',
    'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    'rules[0].resources: Required value: resource rules must supply at least one resource',
  ]);
  t.deepEqual(messages(validateRole(role([{ verbs: ['get'], nonResourceURLs: ['/healthz'] }]))), [
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
  ]);
  const cr: ClusterRole = { metadata: { name: 'c' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'], resources: ['pods'] }], aggregationRule: {} };
  t.deepEqual(messages(validateClusterRole(cr)), [
    'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular resources and non-resource URLs',
    'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
  ]);
});

test('bindings: roleRef group and kind, subjects by kind, defaults filled, roleRef immutable', (t) => {
  const b: RoleBinding = {
    metadata: { name: 'b', namespace: 'default' },
    roleRef: { apiGroup: '', kind: 'Role', name: 'r' },
    subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'robot' }],
  };
  defaultBinding(b);
  t.is(b.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  t.is(b.subjects![0]!.apiGroup, 'rbac.authorization.k8s.io');
  t.is(b.subjects![1]!.apiGroup, undefined);
  t.deepEqual(validateBinding(b, true), []);
  t.deepEqual(messages(validateBinding(b, false)), [
    'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    'subjects[1].namespace: Required value',
  ]);
  t.deepEqual(messages(validateBinding({ ...b, subjects: [{ kind: 'Robot', name: '' }] }, true)), [
    'subjects[0].name: Required value',
    'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
  ]);
  const changed = { ...b, roleRef: { ...b.roleRef, name: 'other' } };
  t.deepEqual(messages(validateBinding(changed, true, b)), [
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef',
  ]);
});
