// kube-controller-manager's bootstrapsigner: kube-public/cluster-info carries one detached JWS
// of its kubeconfig per bootstrap token that may sign (usage-bootstrap-signing, not expired),
// under jws-kubeconfig-<token id>; signatures of tokens that went away are removed.
import { clusterInfo, detachedSignature, isExpired, tokenFromSecret } from '../../api/bootstrap-token.js';
import { types } from '../../api/resources.js';
import type { ConfigMap, Secret } from '../../api/types.js';
import { isNotFound, type ApiClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue } from '../workqueue.js';

/** The data cluster-info should hold: its kubeconfig and exactly the signing tokens' signatures. */
async function signedData(data: Record<string, string>, secrets: Secret[], now = Date.now()): Promise<Record<string, string>> {
  const kubeconfig = data.kubeconfig;
  const out = Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith(clusterInfo.jwsPrefix)));
  if (kubeconfig === undefined) return out;
  for (const s of secrets) {
    const token = tokenFromSecret(s);
    if (!token || !token.signing || isExpired(token, now)) continue;
    // HS256 is deterministic: a kept signature is byte for byte the one already there.
    out[`${clusterInfo.jwsPrefix}${token.id}`] = await detachedSignature(kubeconfig, token);
  }
  return out;
}

export function startBootstrapSigner(client: ApiClient, configMaps: Informer<ConfigMap>, secrets: Informer<Secret>): () => void {
  const key = `${clusterInfo.namespace}/${clusterInfo.name}`;
  const queue = new WorkQueue('bootstrapsigner', async () => {
    const cm = configMaps.get(key);
    if (!cm?.data) return;
    const data = await signedData(cm.data, secrets.list());
    if (JSON.stringify(Object.entries(data).sort()) === JSON.stringify(Object.entries(cm.data).sort())) return;
    try {
      await client.update(types.configmaps, { ...cm, data });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  });
  const sync = () => queue.add(key);
  configMaps.on({ add: sync, update: sync });
  secrets.on({ add: sync, update: sync, delete: sync });
  // An expired token's signature goes when the token cleaner deletes its Secret.
  sync();
  return () => queue.stop();
}
