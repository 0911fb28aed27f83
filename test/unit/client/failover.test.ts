// A client given several API servers (replicas on one etcd) moves to the next when
// the one in use goes away, and its informers resume their watches there.
import anyTest, { type TestFn } from 'ava';
import { types } from '../../../src/api/resources.js';
import type { ConfigMap } from '../../../src/api/types.js';
import { ApiClient } from '../../../src/client/client.js';
import { Informer } from '../../../src/client/informer.js';
import { etcdBinary } from '../../../src/lab/etcd.js';
import { waitFor } from '../../../src/util/poll.js';
import { startApiServer } from '../../helpers/apiserver.js';
import { withEtcd } from '../../helpers/root.js';
import { tempDir } from '../../helpers/tmp.js';

const test = withEtcd(anyTest as TestFn, etcdBinary);

const cm = (name: string): ConfigMap => ({ metadata: { name, namespace: 'default' }, data: { a: '1' } });

test('a client moves to the next API server when its own is gone, and an informer resumes there without losing an event', async (t) => {
  const dir = tempDir(t);
  const a = await startApiServer(t, { store: 'etcd', dir });
  const b = await startApiServer(t, { store: 'etcd', dir });
  // A socket nobody serves comes first: refused requests go on to the next server at once.
  const client = new ApiClient({ server: `unix:${dir}/nobody.sock`, fallbacks: [a.url, b.url], timeoutMs: 5000 });
  t.teardown(() => client.close());
  const names = new Set<string>();
  const informer = new Informer<ConfigMap>(client, types.configmaps, { namespace: 'default' }).on({ add: (o) => names.add(o.metadata.name!) }).start();
  t.teardown(() => informer.stop());
  await informer.synced;
  t.is(client.server, a.url);
  await a.client.create(types.configmaps, cm('one'));
  await waitFor('one in the informer', () => names.has('one'), 10_000, 20);
  a.stop();
  await b.client.create(types.configmaps, cm('two'));
  await waitFor('two in the informer', () => names.has('two'), 20_000, 20);
  t.is(client.server, b.url);
  t.is((await client.get<ConfigMap>(types.configmaps, 'one', 'default')).data?.a, '1');
});
