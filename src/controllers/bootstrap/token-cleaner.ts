// kube-controller-manager's tokencleaner: a bootstrap-token Secret is deleted once its
// expiration has passed (checked again at that moment, and on every change).
import { isExpired, tokenFromSecret } from '../../api/bootstrap-token.js';
import { types } from '../../api/resources.js';
import type { Secret } from '../../api/types.js';
import { isNotFound, type ApiClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue } from '../workqueue.js';

export function startTokenCleaner(client: ApiClient, secrets: Informer<Secret>): () => void {
  const queue = new WorkQueue('tokencleaner', async (key) => {
    const secret = secrets.get(key);
    const token = secret && tokenFromSecret(secret);
    if (!secret || !token?.expiration) return;
    if (!isExpired(token)) {
      queue.addAfter(key, Date.parse(token.expiration) - Date.now() + 100);
      return;
    }
    try {
      await client.delete(types.secrets, secret.metadata.name!, secret.metadata.namespace, { preconditions: { uid: secret.metadata.uid } });
      console.log(`tokencleaner: deleted expired bootstrap token ${token.id}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  });
  const add = (s: Secret) => queue.add(`${s.metadata.namespace}/${s.metadata.name}`);
  secrets.on({ add, update: add });
  for (const s of secrets.list()) add(s);
  return () => queue.stop();
}
