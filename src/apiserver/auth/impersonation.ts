// Impersonation as upstream's WithImpersonation filter: Impersonate-User,
// Impersonate-Group, Impersonate-Uid and Impersonate-Extra-<key> headers (what
// kubectl --as, --as-group and --as-uid send) make the request act as another
// user, once the authorizer lets the requester "impersonate" each of them.
import type http from 'node:http';
import { badRequest } from '../../api/errors.js';
import { forbiddenRequest } from './forbidden.js';
import { serviceAccountUser } from './rbac/authorizer.js';
import type { Attributes, Authorizer, UserInfo } from './user.js';

const saPrefix = 'system:serviceaccount:';
const extraPrefix = 'impersonate-extra-';

function values(req: http.IncomingMessage, header: string): string[] {
  return (req.headersDistinct[header] ?? []).filter((v) => v !== '');
}

/** The groups a ServiceAccount belongs to, as upstream's serviceaccount.MakeGroupNames. */
function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
}

/** The user the request acts as: `user` itself without impersonation headers; throws 403 when it may not impersonate. */
export function impersonate(req: http.IncomingMessage, user: UserInfo, authorizer: Authorizer): UserInfo {
  const username = values(req, 'impersonate-user')[0];
  const groups = values(req, 'impersonate-group');
  const uid = values(req, 'impersonate-uid')[0];
  const extra: Record<string, string[]> = {};
  for (const [h, v] of Object.entries(req.headersDistinct)) {
    if (!h.startsWith(extraPrefix) || !v) continue;
    let key: string;
    try {
      key = decodeURIComponent(h.slice(extraPrefix.length));
    } catch {
      throw badRequest(`malformed header ${h}: not a percent-encoded key`);
    }
    extra[key] = v;
  }
  if (username === undefined) {
    if (groups.length || uid !== undefined || Object.keys(extra).length) throw badRequest('requested groups, uid or user-extra without impersonating a user');
    return user;
  }
  const check = (a: Omit<Attributes, 'user' | 'verb' | 'resourceRequest' | 'path'>): void => {
    const attrs: Attributes = { user, verb: 'impersonate', resourceRequest: true, path: req.url ?? '/', apiGroup: '', ...a };
    const d = authorizer.authorize(attrs);
    if (!d.allowed) throw forbiddenRequest(attrs, d.reason);
  };
  const out: UserInfo = { username, groups: [...groups] };
  if (username.startsWith(saPrefix) && username.split(':').length === 4) {
    const [, , namespace, name] = username.split(':') as [string, string, string, string];
    check({ resource: 'serviceaccounts', namespace, name });
    out.username = serviceAccountUser(namespace, name);
    // A ServiceAccount's groups are known; they are added when none are asked for.
    if (groups.length === 0) out.groups = serviceAccountGroups(namespace);
  } else check({ resource: 'users', name: username });
  for (const g of groups) check({ resource: 'groups', name: g });
  if (uid !== undefined) {
    check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
    out.uid = uid;
  }
  for (const [key, vs] of Object.entries(extra)) for (const v of vs) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v });
  if (Object.keys(extra).length) out.extra = extra;
  // Everyone but the anonymous user is authenticated, unless the request says otherwise.
  const marked = out.groups.includes('system:authenticated') || out.groups.includes('system:unauthenticated');
  if (username === 'system:anonymous') {
    if (!out.groups.includes('system:unauthenticated')) out.groups.push('system:unauthenticated');
  } else if (!marked) out.groups.push('system:authenticated');
  return out;
}
