// The 403 Status kube-apiserver writes when the authorizer says no, in its wording.
import { ApiError } from '../../api/errors.js';
import type { Attributes } from './user.js';

function forbiddenMessage(a: Attributes): string {
  const user = a.user.username;
  if (!a.resourceRequest) return `User "${user}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup ?? ''}" ${where}`;
}

export function forbiddenRequest(a: Attributes, reason?: string): ApiError {
  const resource = a.resourceRequest && a.resource ? (a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource) : '';
  const why = forbiddenMessage(a) + (reason ? `: ${reason}` : '');
  const message = !resource ? `forbidden: ${why}` : a.name ? `${resource} "${a.name}" is forbidden: ${why}` : `${resource} is forbidden: ${why}`;
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Forbidden',
    details: { ...(a.name ? { name: a.name } : {}), ...(a.resource ? { group: a.apiGroup ?? '', kind: a.resource } : {}) },
    code: 403,
  });
}
