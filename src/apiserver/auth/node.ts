// The Node authorizer (upstream's --authorization-mode=Node): a node
// (system:node:NAME in system:nodes) may do what the system:node role lists,
// but may read a Secret, ConfigMap or PersistentVolumeClaim, or get a token for
// a ServiceAccount, only when a pod bound to it uses that object. Other users:
// no opinion. The lab finds the relationship by reading the node's pods from
// the store when asked (a container start, not a hot path).
import type { Pod, PolicyRule } from '../../api/types.js';
import { clusterRoles } from '../bootstrap/roles.js';
import type { ObjectStore } from '../store.js';
import { ruleAllows } from './rbac/rules.js';
import type { Attributes, Authorizer, Decision, UserInfo } from './user.js';

const nodePrefix = 'system:node:';
const nodesGroup = 'system:nodes';
const nodeRules: PolicyRule[] = clusterRoles.find((r) => r.name === 'system:node')!.rules!;

/** upstream's NodeIdentity: whether a user is a node (system:node:* in system:nodes), and its name ('' when the username names none). */
export function nodeIdentity(user: UserInfo): { isNode: boolean; name: string } {
  const isNode = user.username.startsWith(nodePrefix) && user.groups.includes(nodesGroup);
  return { isNode, name: isNode ? user.username.slice(nodePrefix.length) : '' };
}

/** The node a user is, or undefined for anyone else. */
export function nodeOf(user: UserInfo): string | undefined {
  return nodeIdentity(user).name || undefined;
}

type Kind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

interface Volume {
  secret?: { secretName?: string };
  configMap?: { name?: string };
  persistentVolumeClaim?: { claimName?: string };
  projected?: { sources?: { secret?: { name?: string }; configMap?: { name?: string } }[] };
}

/** The names of objects of a kind a pod uses. */
export function podReferences(pod: Pod, kind: Kind): string[] {
  const spec = pod.spec as Pod['spec'] & { serviceAccountName?: string; imagePullSecrets?: { name?: string }[] };
  if (kind === 'serviceaccounts') return [spec.serviceAccountName || 'default'];
  const out: (string | undefined)[] = [];
  const containers = [...(spec.initContainers ?? []), ...spec.containers, ...((spec as { ephemeralContainers?: typeof spec.containers }).ephemeralContainers ?? [])];
  const volumes = ((spec as { volumes?: Volume[] }).volumes ?? []);
  if (kind === 'secrets') {
    out.push(...(spec.imagePullSecrets ?? []).map((s) => s.name));
    for (const c of containers) {
      for (const e of c.env ?? []) out.push(e.valueFrom?.secretKeyRef?.name);
      for (const e of c.envFrom ?? []) out.push(e.secretRef?.name);
    }
    for (const v of volumes) {
      out.push(v.secret?.secretName);
      for (const s of v.projected?.sources ?? []) out.push(s.secret?.name);
    }
  } else if (kind === 'configmaps') {
    for (const c of containers) {
      for (const e of c.env ?? []) out.push(e.valueFrom?.configMapKeyRef?.name);
      for (const e of c.envFrom ?? []) out.push(e.configMapRef?.name);
    }
    for (const v of volumes) {
      out.push(v.configMap?.name);
      for (const s of v.projected?.sources ?? []) out.push(s.configMap?.name);
    }
  } else for (const v of volumes) out.push(v.persistentVolumeClaim?.claimName);
  return out.filter((n): n is string => !!n);
}

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly store: ObjectStore) {}

  authorize(a: Attributes): Decision {
    const node = nodeOf(a.user);
    if (!node) return { allowed: false };
    if (a.resourceRequest && (a.apiGroup ?? '') === '') {
      const kind = a.resource === 'secrets' || a.resource === 'configmaps' || a.resource === 'persistentvolumeclaims' ? a.resource : a.resource === 'serviceaccounts' && a.subresource === 'token' ? 'serviceaccounts' : undefined;
      if (kind) return this.related(node, a, kind);
    }
    return { allowed: nodeRules.some((r) => ruleAllows(a, r)) };
  }

  /** A node's rules are not enumerable (they depend on its pods); others get none from here. */
  rulesFor(user: UserInfo): { rules: PolicyRule[]; incomplete: boolean; errors: string[] } {
    return nodeOf(user) ? { rules: [], incomplete: true, errors: ['node authorizer does not support user rule resolution'] } : { rules: [], incomplete: false, errors: [] };
  }

  private related(node: string, a: Attributes, kind: Kind): Decision {
    const verb = kind === 'serviceaccounts' ? 'create' : 'get';
    if (a.verb !== verb || !a.name || a.subresource !== (kind === 'serviceaccounts' ? 'token' : undefined)) {
      return { allowed: false, reason: `can only ${verb} individual resources of this type` };
    }
    const used = this.store
      .list('core/pods', a.namespace)
      .some((p) => (p as Pod).spec?.nodeName === node && podReferences(p as Pod, kind).includes(a.name!));
    return used ? { allowed: true } : { allowed: false, reason: `no relationship found between node '${node}' and this object` };
  }
}
