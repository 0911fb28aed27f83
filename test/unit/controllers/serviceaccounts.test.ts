import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Namespace, ServiceAccount } from '../../../src/api/types.js';
import { Informer } from '../../../src/client/informer.js';
import { startServiceAccountsController } from '../../../src/controllers/serviceaccounts.js';
import { startApiServer } from '../../helpers/apiserver.js';
import { waitFor } from '../../helpers/lab.js';

test('every namespace gets a default ServiceAccount, made again when deleted', async (t) => {
  const s = await startApiServer(t);
  const namespaces = new Informer<Namespace>(s.client, types.namespaces).start();
  const accounts = new Informer<ServiceAccount>(s.client, types.serviceaccounts).start();
  t.teardown(() => (namespaces.stop(), accounts.stop()));
  await Promise.all([namespaces.synced, accounts.synced]);
  t.teardown(startServiceAccountsController(s.client, namespaces, accounts));
  const account = (ns: string) => () => s.store.get('core/serviceaccounts', `${ns}/default`);
  await waitFor('default/default and kube-system/default', account('kube-system'));
  await s.client.create(types.namespaces, { metadata: { name: 'demo' } });
  const first = await waitFor('demo/default', account('demo'));
  await s.client.delete(types.serviceaccounts, 'default', 'demo');
  const again = await waitFor('demo/default again', () => account('demo')()?.metadata.uid !== first.metadata.uid && account('demo')());
  t.like(again.metadata, { name: 'default', namespace: 'demo' });
});
