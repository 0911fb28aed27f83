// ClusterRole aggregation (upstream's clusterrole-aggregation controller): an
// aggregated role's rules are those of the cluster roles its selectors pick, by
// selector, then by role name, without repeats.
import { isDeepStrictEqual } from 'node:util';
import { matches, selectorFromObject } from './labels.js';
import type { ClusterRole, PolicyRule } from './types.js';

/** The rules role should have, picked from roles (role itself left out). */
export function aggregatedRules(role: ClusterRole, roles: ClusterRole[]): PolicyRule[] {
  const byName = [...roles].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  const rules: PolicyRule[] = [];
  for (const selector of (role.aggregationRule?.clusterRoleSelectors ?? []).map(selectorFromObject)) {
    for (const other of byName) {
      if (other.metadata.name === role.metadata.name || !matches(selector, other.metadata.labels)) continue;
      for (const r of other.rules ?? []) if (!rules.some((x) => isDeepStrictEqual(x, r))) rules.push(r);
    }
  }
  return rules;
}

/** Aggregates every aggregated role of roles in place, until nothing changes (admin picks edit, which picks view). */
export function aggregate(roles: ClusterRole[]): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const role of roles.filter((r) => r.aggregationRule)) {
      const rules = aggregatedRules(role, roles);
      if (!isDeepStrictEqual(rules, role.rules ?? [])) {
        role.rules = rules;
        changed = true;
      }
    }
  }
}
