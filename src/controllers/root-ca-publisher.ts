// kube-controller-manager's root-ca-cert-publisher: every active namespace has the
// kube-root-ca.crt ConfigMap holding the cluster CA (what pods' projected volumes mount as
// ca.crt), put back when deleted or changed.
import { ApiError } from '../api/errors.js';
import { types } from '../api/resources.js';
import type { ConfigMap, Namespace } from '../api/types.js';
import type { ApiClient } from '../client/client.js';
import type { Informer } from '../client/informer.js';
import { WorkQueue } from './workqueue.js';

export const rootCAConfigMapName = 'kube-root-ca.crt';

export function startRootCAPublisher(client: ApiClient, namespaces: Informer<Namespace>, configMaps: Informer<ConfigMap>, caPem: string): () => void {
  const data = { 'ca.crt': caPem };
  const annotations = { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' };
  const queue = new WorkQueue('root-ca-cert-publisher', async (ns) => {
    const namespace = namespaces.get(ns);
    if (!namespace || namespace.status?.phase !== 'Active' || namespace.metadata.deletionTimestamp) return;
    const current = configMaps.get(`${ns}/${rootCAConfigMapName}`);
    try {
      if (!current) await client.create(types.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: rootCAConfigMapName, annotations }, data } as ConfigMap, ns);
      else if (current.data?.['ca.crt'] !== caPem) await client.update(types.configmaps, { ...current, data });
    } catch (e) {
      if (e instanceof ApiError && (e.status.reason === 'AlreadyExists' || e.status.code === 403 || e.status.code === 404 || e.status.code === 409)) return; // there, going, or changed meanwhile (the event requeues)
      throw e;
    }
  });
  namespaces.on({ add: (ns) => queue.add(ns.metadata.name!), update: (ns) => queue.add(ns.metadata.name!) });
  const requeue = (cm: ConfigMap) => cm.metadata.name === rootCAConfigMapName && queue.add(cm.metadata.namespace!);
  configMaps.on({ update: requeue, delete: requeue });
  for (const ns of namespaces.list()) queue.add(ns.metadata.name!);
  return () => queue.stop();
}
