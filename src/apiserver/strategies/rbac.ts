// rbac.authorization.k8s.io/v1: stored, defaulted and validated like upstream;
// nothing here enforces them (authorization is not part of the lab yet).
import { types } from '../../api/resources.js';
import type { ClusterRole, Role, RoleBinding } from '../../api/types.js';
import { defaultBinding, rbacName, validateBinding, validateClusterRole, validateRole } from '../../api/validation/rbac.js';
import type { Strategy } from '../registry.js';

export const roleStrategy: Strategy = {
  type: types.roles,
  validateName: rbacName,
  validate: (obj) => validateRole(obj as Role),
};

export const clusterRoleStrategy: Strategy = {
  type: types.clusterroles,
  validateName: rbacName,
  validate: (obj) => validateClusterRole(obj as ClusterRole),
};

export const roleBindingStrategy: Strategy = {
  type: types.rolebindings,
  validateName: rbacName,
  defaults: (obj) => defaultBinding(obj as RoleBinding),
  validate: (obj, old) => validateBinding(obj as RoleBinding, true, old as RoleBinding | undefined),
};

export const clusterRoleBindingStrategy: Strategy = {
  type: types.clusterrolebindings,
  validateName: rbacName,
  defaults: (obj) => defaultBinding(obj as RoleBinding),
  validate: (obj, old) => validateBinding(obj as RoleBinding, false, old as RoleBinding | undefined),
};
