// Roles, ClusterRoles and their bindings: validation with the wording of
// k8s.io/kubernetes/pkg/apis/rbac/validation.
import type { ClusterRole, PolicyRule, Role, RoleBinding, RoleRef, Subject } from '../types.js';
import { fieldErrors, FieldPath, GoLiteral, path, type FieldError } from './field.js';
import { dns1123Subdomain } from './names.js';
import { invalidAll } from './pod.js';

const rbacGroup = 'rbac.authorization.k8s.io';

/** ValidateRBACName (path.IsValidPathSegmentName): names end up in URL paths. */
export function rbacName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

function validateRule(rule: PolicyRule, namespaced: boolean, fld: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!rule.verbs?.length) errs.push(fieldErrors.required(fld.child('verbs').text, 'verbs must contain at least one value'));
  const urls = rule.nonResourceURLs ?? [];
  if (urls.length > 0) {
    const value = new GoLiteral(`[]string{${urls.map((u) => JSON.stringify(u)).join(', ')}}`);
    if (namespaced) errs.push(fieldErrors.invalid(fld.child('nonResourceURLs').text, value, 'namespaced rules cannot apply to non-resource URLs'));
    if (rule.apiGroups?.length || rule.resources?.length || rule.resourceNames?.length) {
      errs.push(fieldErrors.invalid(fld.child('nonResourceURLs').text, value, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!rule.apiGroups?.length) errs.push(fieldErrors.required(fld.child('apiGroups').text, 'resource rules must supply at least one api group'));
  if (!rule.resources?.length) errs.push(fieldErrors.required(fld.child('resources').text, 'resource rules must supply at least one resource'));
  return errs;
}

export function validateRole(role: Role): FieldError[] {
  return (role.rules ?? []).flatMap((r, i) => validateRule(r, true, path('rules').index(i)));
}

export function validateClusterRole(role: ClusterRole): FieldError[] {
  const errs = (role.rules ?? []).flatMap((r, i) => validateRule(r, false, path('rules').index(i)));
  if (role.aggregationRule && !role.aggregationRule.clusterRoleSelectors?.length) {
    errs.push(fieldErrors.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  }
  return errs;
}

function validateSubject(s: Subject, namespaced: boolean, fld: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(fieldErrors.required(fld.child('name').text));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) errs.push(...invalidAll(fld.child('name'), s.name, dns1123Subdomain(s.name)));
      if (s.apiGroup) errs.push(fieldErrors.notSupported(fld.child('apiGroup').text, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(fieldErrors.required(fld.child('namespace').text));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== rbacGroup) errs.push(fieldErrors.notSupported(fld.child('apiGroup').text, s.apiGroup ?? '', [rbacGroup]));
      break;
    default:
      errs.push(fieldErrors.notSupported(fld.child('kind').text, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

const goRoleRef = (r: RoleRef | undefined): GoLiteral =>
  new GoLiteral(`rbac.RoleRef{APIGroup:${JSON.stringify(r?.apiGroup ?? '')}, Kind:${JSON.stringify(r?.kind ?? '')}, Name:${JSON.stringify(r?.name ?? '')}}`);

/** RoleBindings (namespaced) may point at a Role or a ClusterRole; ClusterRoleBindings only at a ClusterRole. */
export function validateBinding(b: RoleBinding, namespaced: boolean, old?: RoleBinding): FieldError[] {
  const errs: FieldError[] = [];
  const ref = b.roleRef ?? ({} as RoleRef);
  if (ref.apiGroup !== rbacGroup) errs.push(fieldErrors.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [rbacGroup]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(fieldErrors.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(fieldErrors.required('roleRef.name'));
  else errs.push(...invalidAll(path('roleRef', 'name'), ref.name, rbacName(ref.name)));
  (b.subjects ?? []).forEach((s, i) => errs.push(...validateSubject(s, namespaced, path('subjects').index(i))));
  if (old && JSON.stringify(goRoleRef(old.roleRef)) !== JSON.stringify(goRoleRef(b.roleRef))) errs.push(fieldErrors.invalid('roleRef', goRoleRef(b.roleRef), 'cannot change roleRef'));
  return errs;
}

/** SetDefaults_Subject and the roleRef group: what an API server fills in before validating. */
export function defaultBinding(b: RoleBinding): void {
  if (b.roleRef && !b.roleRef.apiGroup) b.roleRef.apiGroup = rbacGroup;
  for (const s of b.subjects ?? []) {
    if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = rbacGroup; // a ServiceAccount's stays "" (omitted)
  }
}
