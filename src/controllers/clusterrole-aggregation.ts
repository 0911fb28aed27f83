// The clusterrole-aggregation controller of kube-controller-manager: an
// aggregated ClusterRole (admin, edit, view, or a user's) follows the roles its
// selectors pick, as they are created, relabelled, changed or deleted.
import { isDeepStrictEqual } from 'node:util';
import { aggregatedRules } from '../api/aggregation.js';
import { types } from '../api/resources.js';
import type { ClusterRole } from '../api/types.js';
import { isNotFound, type ApiClient } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { WorkQueue } from './workqueue.js';

export function startClusterRoleAggregation(client: ApiClient, roles: Informer<ClusterRole>): () => void {
  const queue = new WorkQueue('clusterrole-aggregation-controller', async (name) => {
    const role = roles.get(name);
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, roles.list());
    if (isDeepStrictEqual(rules, role.rules ?? [])) return;
    try {
      // An update at the resourceVersion read: a conflict retries from the informer's newer copy.
      await client.update(types.clusterroles, { ...role, rules });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  });
  // Any role may be picked by any aggregated one: every change looks at them all (there are few).
  const all = (): void => {
    for (const r of roles.list()) if (r.aggregationRule) queue.add(r.metadata.name!);
  };
  roles.on({ add: all, update: all, delete: all });
  all();
  return () => queue.stop();
}
