// The RBAC authorizer (upstream's plugin/pkg/auth/authorizer/rbac): a request is
// allowed when a rule of a role bound to its user, one of its groups or its
// ServiceAccount allows it; ClusterRoleBindings count everywhere, RoleBindings
// in their namespace. Bindings are indexed by subject and kept current from the
// store, so a request reads only the bindings that name its user and groups.
import type { PolicyRule, RoleBinding, Subject } from '../../../api/types.js';
import type { ObjectStore, StoreEvent } from '../../store.js';
import type { Attributes, Authorizer, Decision, UserInfo } from '../user.js';
import { ruleAllows } from './rules.js';

const group = 'rbac.authorization.k8s.io';
const keys = { roles: `${group}/roles`, clusterRoles: `${group}/clusterroles`, bindings: `${group}/rolebindings`, clusterBindings: `${group}/clusterrolebindings` };

/** A ServiceAccount's user name, as upstream's serviceaccount.MakeUsername. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The index key a subject matches by: users and ServiceAccounts by user name, groups by group name. */
function subjectKey(s: Subject, bindingNamespace: string | undefined): string | undefined {
  if (s.kind === 'User') return `u:${s.name}`;
  if (s.kind === 'Group') return `g:${s.name}`;
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace || bindingNamespace;
    return ns ? `u:${serviceAccountUser(ns, s.name)}` : undefined;
  }
  return undefined;
}

function userKeys(user: UserInfo): string[] {
  return [`u:${user.username}`, ...user.groups.map((g) => `g:${g}`)];
}

/** How upstream names the binding that allowed a request ("RBAC: allowed by ..."). */
function describe(b: RoleBinding, s: Subject): string {
  const ns = b.metadata.namespace;
  const who = s.kind === 'ServiceAccount' ? `${s.kind} "${s.name}/${s.namespace || ns}"` : `${s.kind} "${s.name}"`;
  const binding = ns ? `RoleBinding "${b.metadata.name}/${ns}"` : `ClusterRoleBinding "${b.metadata.name}"`;
  return `${binding} of ${b.roleRef.kind} "${b.roleRef.name}" to ${who}`;
}

/** What a visit over a user's rules found: the first binding that allowed, or errors (missing roles) on the way. */
type Visitor = (rule: PolicyRule, binding: RoleBinding, subject: Subject) => boolean;

export class RbacAuthorizer implements Authorizer {
  /** "<namespace>\0<subject key>" (namespace '' for ClusterRoleBindings) -> bindings by store key. */
  private readonly bySubject = new Map<string, Map<string, RoleBinding>>();
  /** Store key of a binding -> the index keys it sits under. */
  private readonly indexed = new Map<string, string[]>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: ObjectStore) {
    for (const t of [keys.clusterBindings, keys.bindings]) for (const b of store.list(t)) this.put(t, b as RoleBinding);
    this.unsubscribe = store.subscribe(store.durableResourceVersion, (e) => this.onEvent(e));
  }

  close(): void {
    this.unsubscribe();
  }

  private onEvent(e: StoreEvent): void {
    if (e.typeKey !== keys.bindings && e.typeKey !== keys.clusterBindings) return;
    if (e.type === 'DELETED') this.remove(e.typeKey, e.object as RoleBinding);
    else this.put(e.typeKey, e.object as RoleBinding);
  }

  private storeKey(type: string, b: RoleBinding): string {
    return `${type}\0${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  }

  private remove(type: string, b: RoleBinding): void {
    const key = this.storeKey(type, b);
    for (const k of this.indexed.get(key) ?? []) {
      const set = this.bySubject.get(k);
      set?.delete(key);
      if (set?.size === 0) this.bySubject.delete(k);
    }
    this.indexed.delete(key);
  }

  private put(type: string, b: RoleBinding): void {
    this.remove(type, b);
    const key = this.storeKey(type, b);
    const ns = type === keys.bindings ? b.metadata.namespace! : '';
    const at = new Set<string>();
    for (const s of b.subjects ?? []) {
      const k = subjectKey(s, type === keys.bindings ? ns : undefined);
      if (k) at.add(`${ns}\0${k}`);
    }
    for (const k of at) {
      let set = this.bySubject.get(k);
      if (!set) this.bySubject.set(k, (set = new Map()));
      set.set(key, b);
    }
    this.indexed.set(key, [...at]);
  }

  /** The subject of b that names this user (b is indexed under one of the user's keys, so there is one). */
  private subjectFor(b: RoleBinding, user: UserInfo): Subject {
    const mine = new Set(userKeys(user));
    return (b.subjects ?? []).find((s) => mine.has(subjectKey(s, b.metadata.namespace) ?? ''))!;
  }

  /** Bindings for the user, ClusterRoleBindings first, then RoleBindings in namespace (deduplicated). */
  private bindingsFor(user: UserInfo, namespace: string | undefined): RoleBinding[] {
    const out = new Map<string, RoleBinding>();
    const scopes = namespace ? ['', namespace] : [''];
    for (const scope of scopes) for (const k of userKeys(user)) for (const [key, b] of this.bySubject.get(`${scope}\0${k}`) ?? []) out.set(key, b);
    return [...out.values()];
  }

  /** The rules a binding grants, or the upstream error text when its role is missing. */
  private rulesOf(b: RoleBinding): PolicyRule[] | string {
    const ref = b.roleRef;
    if (ref.kind === 'Role') {
      const role = b.metadata.namespace ? this.store.get(keys.roles, `${b.metadata.namespace}/${ref.name}`) : undefined;
      return role ? ((role as { rules?: PolicyRule[] }).rules ?? []) : `role.${group} "${ref.name}" not found`;
    }
    const role = this.store.get(keys.clusterRoles, ref.name);
    return role ? ((role as { rules?: PolicyRule[] }).rules ?? []) : `clusterrole.${group} "${ref.name}" not found`;
  }

  /** Visits the user's rules until visit returns true; returns the errors met (missing roles). */
  private visit(user: UserInfo, namespace: string | undefined, visit: Visitor): { stopped: boolean; errors: string[] } {
    const errors: string[] = [];
    for (const b of this.bindingsFor(user, namespace)) {
      const rules = this.rulesOf(b);
      if (typeof rules === 'string') {
        errors.push(rules);
        continue;
      }
      const subject = this.subjectFor(b, user);
      for (const r of rules) if (visit(r, b, subject)) return { stopped: true, errors };
    }
    return { stopped: false, errors };
  }

  authorize(a: Attributes): Decision {
    let reason = '';
    const { stopped, errors } = this.visit(a.user, a.namespace, (rule, b, s) => {
      if (!ruleAllows(a, rule)) return false;
      reason = `RBAC: allowed by ${describe(b, s)}`;
      return true;
    });
    if (stopped) return { allowed: true, reason };
    // Upstream names why only when a binding could not be read (its role is missing).
    return errors.length ? { allowed: false, reason: `RBAC: ${aggregate(errors)}` } : { allowed: false };
  }

  /** Every rule that applies to the user in namespace (SelfSubjectRulesReview), and the errors met. */
  rulesFor(user: UserInfo, namespace: string | undefined): { rules: PolicyRule[]; incomplete: boolean; errors: string[] } {
    const rules: PolicyRule[] = [];
    const { errors } = this.visit(user, namespace, (r) => {
      rules.push(r);
      return false;
    });
    return { rules, incomplete: false, errors };
  }
}

/** utilerrors.NewAggregate's text: one error as is, several as "[a, b]". */
function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}
