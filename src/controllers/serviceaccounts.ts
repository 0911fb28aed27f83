// The service account controller of kube-controller-manager: every active
// namespace has a `default` ServiceAccount, recreated when it is deleted.
import { ApiError } from '../api/errors.js';
import { types } from '../api/resources.js';
import type { Namespace, ServiceAccount } from '../api/types.js';
import type { ApiClient } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { WorkQueue } from './workqueue.js';

const accountName = 'default';

export function startServiceAccountsController(client: ApiClient, namespaces: Informer<Namespace>, accounts: Informer<ServiceAccount>): () => void {
  const queue = new WorkQueue('serviceaccounts-controller', async (ns) => {
    const namespace = namespaces.get(ns);
    if (!namespace || namespace.status?.phase !== 'Active' || namespace.metadata.deletionTimestamp) return;
    if (accounts.get(`${ns}/${accountName}`)) return;
    try {
      await client.create(types.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: accountName } }, ns);
    } catch (e) {
      if (e instanceof ApiError && (e.status.reason === 'AlreadyExists' || e.status.code === 403 || e.status.code === 404)) return; // there, or the namespace is going
      throw e;
    }
  });
  namespaces.on({ add: (ns) => queue.add(ns.metadata.name!), update: (ns) => queue.add(ns.metadata.name!) });
  accounts.on({ delete: (sa) => sa.metadata.name === accountName && queue.add(sa.metadata.namespace!) });
  for (const ns of namespaces.list()) queue.add(ns.metadata.name!);
  return () => queue.stop();
}
