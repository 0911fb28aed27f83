import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { ConfigMap, Namespace } from '../../../src/api/types.js';
import { Informer } from '../../../src/client/informer.js';
import { rootCAConfigMapName, startRootCAPublisher } from '../../../src/controllers/root-ca-publisher.js';
import { startApiServer } from '../../helpers/apiserver.js';
import { waitFor } from '../../helpers/lab.js';

test('every namespace gets kube-root-ca.crt with the cluster CA, put back when deleted or changed', async (t) => {
  const s = await startApiServer(t);
  const namespaces = new Informer<Namespace>(s.client, types.namespaces).start();
  const maps = new Informer<ConfigMap>(s.client, types.configmaps, { fieldSelector: `metadata.name=${rootCAConfigMapName}` }).start();
  t.teardown(() => (namespaces.stop(), maps.stop()));
  await Promise.all([namespaces.synced, maps.synced]);
  t.teardown(startRootCAPublisher(s.client, namespaces, maps, 'CA PEM'));
  const ca = (ns: string) => async () => (s.store.get('core/configmaps', `${ns}/${rootCAConfigMapName}`) as ConfigMap | undefined)?.data?.['ca.crt'] === 'CA PEM';
  await waitFor('kube-system and default', async () => (await ca('kube-system')()) && ca('default')());
  await s.client.create(types.namespaces, { metadata: { name: 'demo' } });
  await waitFor('demo', ca('demo'));
  await s.client.delete(types.configmaps, rootCAConfigMapName, 'demo');
  await waitFor('demo again after a delete', ca('demo'));
  const cm = await s.client.get<ConfigMap>(types.configmaps, rootCAConfigMapName, 'demo');
  await s.client.update(types.configmaps, { ...cm, data: { 'ca.crt': 'tampered' } });
  await waitFor('demo again after a change', ca('demo'));
  t.pass();
});
