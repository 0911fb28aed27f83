// Upstream's RBAC escalation check on writes of roles and bindings: nobody
// grants what they do not hold. A Role or ClusterRole may only carry rules the
// writer has (or the writer has the `escalate` verb on it); a binding may only
// grant a role whose rules the writer has (or the `bind` verb on it).
// system:masters is exempt. Rule coverage is upstream's validation.Covers.
import { forbidden } from '../../../api/errors.js';
import type { KubeObject, PolicyRule, RoleBinding, RoleRef } from '../../../api/types.js';
import type { ResourceType } from '../../../api/resources.js';
import type { ObjectStore } from '../../store.js';
import { privilegedGroup } from '../modes.js';
import type { Authorizer, UserInfo } from '../user.js';

const group = 'rbac.authorization.k8s.io';

/** One rule per verb, group, resource and name (or URL), as upstream's BreakdownRule. */
export function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const g of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ verbs: [verb], apiGroups: [g], resources: [resource], resourceNames: [name] });
        else out.push({ verbs: [verb], apiGroups: [g], resources: [resource] });
      }
    }
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

const has = (list: string[] | undefined, x: string): boolean => (list ?? []).includes(x);

/** Does owner cover the atomic rule sub? */
function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verb = sub.verbs[0]!;
  if (!has(owner.verbs, '*') && !has(owner.verbs, verb)) return false;
  if (sub.nonResourceURLs?.length) {
    const url = sub.nonResourceURLs[0]!;
    return (owner.nonResourceURLs ?? []).some((o) => o === '*' || o === url || (o.endsWith('*') && url.startsWith(o.slice(0, -1))));
  }
  const g = sub.apiGroups![0]!;
  if (!has(owner.apiGroups, '*') && !has(owner.apiGroups, g)) return false;
  const resource = sub.resources![0]!;
  const slash = resource.indexOf('/');
  const subresourceWildcard = slash > 0 ? `*${resource.slice(slash)}` : undefined;
  if (!has(owner.resources, '*') && !has(owner.resources, resource) && !(subresourceWildcard && has(owner.resources, subresourceWildcard))) return false;
  if (!owner.resourceNames?.length) return true;
  return !!sub.resourceNames?.length && owner.resourceNames.includes(sub.resourceNames[0]!);
}

/** The atomic rules of servant that no owner rule covers (empty: owner covers servant). */
export function uncovered(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  return servant.flatMap(breakdown).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
}

/** A rule as Go's PolicyRule CompactString prints it. */
function compact(r: PolicyRule): string {
  const q = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

export interface EscalationContext {
  user: UserInfo;
  authorizer: Authorizer;
  store: ObjectStore;
}

function allowedBy(ctx: EscalationContext, verb: string, resource: string, name: string, namespace: string | undefined): boolean {
  return ctx.authorizer.authorize({ user: ctx.user, verb, resourceRequest: true, path: '', apiGroup: group, resource, name, namespace }).allowed;
}

function roleRules(store: ObjectStore, ref: RoleRef, namespace: string | undefined): PolicyRule[] | undefined {
  const role = ref.kind === 'Role' ? (namespace ? store.get(`${group}/roles`, `${namespace}/${ref.name}`) : undefined) : store.get(`${group}/clusterroles`, ref.name);
  return role ? ((role as { rules?: PolicyRule[] }).rules ?? []) : undefined;
}

/** Throws upstream's 403 when the write of obj (a role or binding of type t) would grant more than the writer holds. */
export function confirmNoEscalation(t: ResourceType, obj: KubeObject, ctx: EscalationContext): void {
  if (t.group !== group || ctx.user.groups.includes(privilegedGroup)) return;
  const name = obj.metadata.name ?? '';
  const namespace = t.namespaced ? obj.metadata.namespace : undefined;
  let rules: PolicyRule[];
  if (t.plural === 'roles' || t.plural === 'clusterroles') {
    if (allowedBy(ctx, 'escalate', t.plural, name, namespace)) return;
    rules = (obj as { rules?: PolicyRule[] }).rules ?? [];
  } else {
    const ref = (obj as RoleBinding).roleRef;
    if (allowedBy(ctx, 'bind', ref.kind === 'Role' ? 'roles' : 'clusterroles', ref.name, namespace)) return;
    const found = roleRules(ctx.store, ref, namespace);
    if (!found) throw forbidden(`${t.plural}.${group}`, name, `${ref.kind.toLowerCase()}.${group} "${ref.name}" not found`);
    rules = found;
  }
  const owner = ctx.authorizer.rulesFor?.(ctx.user, namespace) ?? { rules: [], incomplete: true, errors: [] };
  const missing = uncovered(owner.rules, rules);
  if (missing.length === 0) return;
  const groups = `[${ctx.user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  let why = `user ${JSON.stringify(ctx.user.username)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${missing.map(compact).join('\n')}`;
  if (owner.errors.length) why += `; resolution errors: [${owner.errors.join(' ')}]`;
  throw forbidden(`${t.plural}.${group}`, name, why);
}
