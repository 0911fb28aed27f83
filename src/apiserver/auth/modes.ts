// --authorization-mode as kube-apiserver reads it: a comma-separated chain of
// authorizers asked in order, the first to allow wins. Members of the
// privileged group system:masters are allowed everything before any of them
// is asked, as upstream's privilegedGroupAuthorizer.
import type { PolicyRule } from '../../api/types.js';
import type { ObjectStore } from '../store.js';
import { NodeAuthorizer } from './node.js';
import { RbacAuthorizer } from './rbac/authorizer.js';
import { allowAll, type Authorizer, type Decision, type UserInfo } from './user.js';

export const privilegedGroup = 'system:masters';
export const authorizationModes = ['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC'] as const;

const alwaysDeny: Authorizer = { authorize: () => ({ allowed: false }) };

/** Asks each authorizer in turn; a denial carries the reasons of all of them, one a line (upstream's union). */
function union(members: Authorizer[]): Authorizer {
  return {
    authorize(a): Decision {
      const reasons: string[] = [];
      for (const m of members) {
        const d = m.authorize(a);
        if (d.allowed) return d;
        if (d.reason) reasons.push(d.reason);
      }
      return reasons.length ? { allowed: false, reason: reasons.join('\n') } : { allowed: false };
    },
    rulesFor(user: UserInfo, namespace: string | undefined) {
      const rules: PolicyRule[] = [];
      const errors: string[] = [];
      let incomplete = false;
      for (const m of members) {
        if (!m.rulesFor) {
          incomplete = true;
          continue;
        }
        const r = m.rulesFor(user, namespace);
        rules.push(...r.rules);
        errors.push(...r.errors);
        incomplete ||= r.incomplete;
      }
      return { rules, incomplete, errors };
    },
  };
}

const privileged: Authorizer = {
  authorize: (a) => ({ allowed: a.user.groups.includes(privilegedGroup) }),
  rulesFor: (user) => ({
    rules: user.groups.includes(privilegedGroup) ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }] : [],
    incomplete: false,
    errors: [],
  }),
};

/** The authorizer for a --authorization-mode value ("Node,RBAC", "RBAC", "AlwaysAllow"...); throws on an unknown mode. */
export function authorizerFor(mode: string, store: ObjectStore): Authorizer {
  const names = mode.split(',').map((m) => m.trim()).filter(Boolean);
  if (names.length === 0) throw new Error('--authorization-mode: at least one authorization mode must be passed');
  const members = names.map((name): Authorizer => {
    switch (name) {
      case 'AlwaysAllow':
        return { authorize: allowAll.authorize, rulesFor: () => ({ rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false, errors: [] }) };
      case 'AlwaysDeny':
        return alwaysDeny;
      case 'Node':
        return new NodeAuthorizer(store);
      case 'RBAC':
        return new RbacAuthorizer(store);
      default:
        throw new Error(`--authorization-mode: authorization mode "${name}" is not supported (choose from ${authorizationModes.join(', ')})`);
    }
  });
  return union([privileged, ...members]);
}
