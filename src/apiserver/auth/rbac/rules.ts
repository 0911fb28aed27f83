// Does one PolicyRule allow a request? Upstream's rbac/v1 rule helpers
// (VerbMatches, APIGroupMatches, ResourceMatches, ResourceNameMatches,
// NonResourceURLMatches), as pure functions of a rule and request attributes.
import type { PolicyRule } from '../../../api/types.js';
import type { Attributes } from '../user.js';

const all = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes(all) || rule.verbs.includes(verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  const groups = rule.apiGroups ?? [];
  return groups.includes(all) || groups.includes(group);
}

/** "*", "resource", "resource/subresource", or "*\/subresource" for any resource's subresource. */
export function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === all || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** No resourceNames: any name. With some, only those (so never a list or create, which carry no name). */
export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (name !== undefined && name !== '' && names.includes(name));
}

/** "*", the exact path, or a prefix ending in "*". */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === all || u === path) return true;
    if (u.endsWith(all) && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path);
  return apiGroupMatches(rule, a.apiGroup ?? '') && resourceMatches(rule, a.resource ?? '', a.subresource) && resourceNameMatches(rule, a.name);
}
