import anyTest, { type TestFn } from 'ava';
import { execa } from 'execa';
import { EtcdStore } from '../../../../src/apiserver/etcd/store.js';
import { ConflictError, TooOldError, type ObjectStore } from '../../../../src/apiserver/store.js';
import type { KubeObject } from '../../../../src/api/types.js';
import { etcdBinary, etcdctlArgv } from '../../../../src/lab/etcd.js';
import { startEtcd, type TestEtcd } from '../../../helpers/etcd.js';
import { withEtcd } from '../../../helpers/root.js';
import { storeContract } from '../store-contract.js';

// One etcd per test, so serial: the machine has two cores.
const test = withEtcd(anyTest as TestFn, etcdBinary).serial as unknown as TestFn;

const open = (etcd: TestEtcd, opts: { historySize?: number } = {}): Promise<EtcdStore> =>
  EtcdStore.open({ endpoints: [etcd.endpoint], historySize: opts.historySize, compactionIntervalMs: 0, onLost: (e) => { throw e; } });

storeContract(test, 'etcd', async (t) => {
  const etcd = await startEtcd(t);
  const opened: ObjectStore[] = [];
  t.teardown(() => opened.forEach((s) => s.close()));
  return {
    open: async (opts) => {
      const s = await open(etcd, opts);
      opened.push(s);
      return s;
    },
    compact: (store) => (store as EtcdStore).compact(),
  };
});

const etcdctl = async (etcd: TestEtcd, ...args: string[]): Promise<string> => {
  const [cmd, ...rest] = etcdctlArgv(etcd.dir, args);
  return (await execa(cmd!, rest, { env: { ETCDCTL_API: '3' } })).stdout;
};

const svc = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ port: 80 }] } });

test('objects are under kube-apiserver\'s keys as JSON without resourceVersion, which is the key\'s mod revision', async (t) => {
  const etcd = await startEtcd(t);
  const store = await open(etcd);
  t.teardown(() => store.close());
  const web = await store.write('put', 'core/services', 'default/web', svc('default', 'web'));
  await store.write('put', 'core/endpoints', 'default/web', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'default' } });
  await store.write('put', 'core/nodes', 'node1', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node1' } });
  await store.write('put', 'apps/deployments', 'default/web', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } });
  const keys = (await etcdctl(etcd, 'get', '--prefix', '/registry/', '--keys-only')).split('\n').filter(Boolean);
  t.deepEqual(keys.sort(), ['/registry/deployments/default/web', '/registry/minions/node1', '/registry/services/endpoints/default/web', '/registry/services/specs/default/web']);
  const got = JSON.parse(await etcdctl(etcd, 'get', '/registry/services/specs/default/web', '-w', 'json')) as { kvs: { mod_revision: number; value: string }[] };
  t.is(got.kvs[0]!.mod_revision, Number(web.metadata.resourceVersion));
  const value = JSON.parse(Buffer.from(got.kvs[0]!.value, 'base64').toString()) as KubeObject;
  t.is(value.metadata.resourceVersion, undefined);
  t.deepEqual(value.spec, web.spec);
});

test('a second store on the same etcd sees the first one\'s writes, and a write from a stale read is refused as a conflict', async (t) => {
  const etcd = await startEtcd(t);
  const a = await open(etcd);
  const b = await open(etcd);
  t.teardown(() => [a, b].forEach((s) => s.close()));
  const v1 = await a.write('put', 'core/services', 'default/web', svc('default', 'web'));
  // b's cache is fed by etcd's watch only: a's write reaches it without b writing anything, and
  // sync() (a consistent read) waits until it has.
  await b.sync();
  const seenByB = b.get('core/services', 'default/web')!;
  t.is(seenByB.metadata.resourceVersion, v1.metadata.resourceVersion);
  // Both computed from v1; the second to commit loses, and then reads the winner.
  const results = await Promise.allSettled([
    a.write('put', 'core/services', 'default/web', { ...v1, metadata: { ...v1.metadata, labels: { by: 'a' } } }),
    b.write('put', 'core/services', 'default/web', { ...v1, metadata: { ...v1.metadata, labels: { by: 'b' } } }),
  ]);
  const lost = results.filter((r) => r.status === 'rejected');
  t.is(lost.length, 1);
  t.true((lost[0] as PromiseRejectedResult).reason instanceof ConflictError);
  const winner = results.findIndex((r) => r.status === 'fulfilled') === 0 ? 'a' : 'b';
  t.is(a.get('core/services', 'default/web')?.metadata.labels?.by, winner);
  t.is(b.get('core/services', 'default/web')?.metadata.labels?.by, winner);
});

test('a write that lost a race is refused as a conflict even when the key moved on again before the cache caught up', async (t) => {
  const etcd = await startEtcd(t);
  const a = await open(etcd);
  const other = await open(etcd);
  t.teardown(() => [a, other].forEach((s) => s.close()));
  const v1 = await a.write('put', 'core/services', 'default/web', svc('default', 'web'));
  await other.sync();
  const label = (by: string): KubeObject => ({ ...v1, metadata: { ...v1.metadata, labels: { by } } });
  // Orders what happens around a's txn: another writer lands just before it (so it loses) and
  // once more right after it, and a's cache has both before a looks at the outcome.
  const kv = a.client.kv;
  const txn = kv.txn.bind(kv);
  kv.txn = async (req) => {
    await other.write('put', 'core/services', 'default/web', label('second'));
    const res = await txn(req);
    await other.write('put', 'core/services', 'default/web', label('third'));
    await a.sync();
    return res;
  };
  await t.throwsAsync(a.write('put', 'core/services', 'default/web', label('a')), { instanceOf: ConflictError });
  t.is(a.get('core/services', 'default/web')?.metadata.labels?.by, 'third');
});

test('when etcd crashes and comes back, the store follows again: its watch resumes and writes land', async (t) => {
  const etcd = await startEtcd(t);
  const store = await open(etcd);
  t.teardown(() => store.close());
  await store.write('put', 'core/namespaces', 'a', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  const seen: string[] = [];
  store.subscribe(store.resourceVersion, (e) => seen.push(e.object.metadata.name!));
  await etcd.kill();
  await etcd.start();
  let written: KubeObject | undefined;
  for (let i = 0; i < 100 && !written; i++) {
    written = await store.write('put', 'core/namespaces', 'b', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } }).catch(() => undefined);
    if (!written) await new Promise((r) => setTimeout(r, 100));
  }
  t.truthy(written);
  t.deepEqual(seen, ['b']);
  t.is(store.get('core/namespaces', 'b')?.metadata.resourceVersion, written!.metadata.resourceVersion);
});

test('etcd compacted by hand (etcdctl compact) and junk under /registry/: a restarted store starts at the current revision and skips the junk', async (t) => {
  const etcd = await startEtcd(t);
  const first = await open(etcd);
  const old = await first.write('put', 'core/namespaces', 'a', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  await first.write('put', 'core/namespaces', 'b', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } });
  first.close();
  await etcdctl(etcd, 'put', '/registry/namespaces/junk', 'not json');
  const revision = (JSON.parse(await etcdctl(etcd, 'get', '/registry/namespaces/junk', '-w', 'json')) as { header: { revision: number } }).header.revision;
  await etcdctl(etcd, 'compact', String(revision));
  const store = await open(etcd);
  t.teardown(() => store.close());
  t.is(store.resourceVersion, revision);
  t.deepEqual(store.list('core/namespaces').map((n) => n.metadata.name).sort(), ['a', 'b']);
  t.throws(() => store.subscribe(Number(old.metadata.resourceVersion), () => undefined), { instanceOf: TooOldError });
  const seen: string[] = [];
  store.subscribe(revision, (e) => seen.push(e.object.metadata.name!));
  await store.write('put', 'core/namespaces', 'c', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'c' } });
  t.deepEqual(seen, ['c']);
});
