// Two API servers on one etcd (what `lab up --store etcd --hosts N` runs): their
// Service allocations are keys in etcd, so they never hand out the same cluster IP
// or nodePort, and a write that loses a race gives back what it took.
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { types } from '../../../../src/api/resources.js';
import type { KubeObject, Service } from '../../../../src/api/types.js';
import { assemble } from '../../../../src/apiserver/assemble.js';
import { repairAllocations } from '../../../../src/apiserver/allocators/repair.js';
import { rangeTypes } from '../../../../src/apiserver/allocators/store-book.js';
import type { ObjectStore } from '../../../../src/apiserver/store.js';
import { etcdBinary } from '../../../../src/lab/etcd.js';
import { startEtcd } from '../../../helpers/etcd.js';
import { withEtcd } from '../../../helpers/root.js';
import { tempDir } from '../../../helpers/tmp.js';

const test = withEtcd(anyTest as TestFn, etcdBinary).serial as unknown as TestFn;

async function twoApiServers(t: ExecutionContext) {
  const etcd = await startEtcd(t);
  const open = () => assemble({ stateDir: tempDir(t), etcdServers: [etcd.endpoint] });
  const a = await open();
  const b = await open();
  t.teardown(() => [a, b].forEach((s) => (s.server.close(), s.store.close())));
  return [a, b] as const;
}

const svc = (name: string, type = 'NodePort'): KubeObject => ({ metadata: { name }, spec: { type, selector: { app: name }, ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] } });
const held = (store: ObjectStore, type: string): string[] => store.list(type).map((o) => o.metadata.name!).sort();

test('Services created at once through two API servers get distinct cluster IPs and nodePorts, each held once in etcd', async (t) => {
  const [a, b] = await twoApiServers(t);
  // A small range makes collisions likely if allocations were not shared.
  const created = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).registry.create(types.services, 'default', svc(`s${i}`)) as Promise<Service>));
  const ips = created.map((s) => s.spec.clusterIP!);
  const ports = created.flatMap((s) => s.spec.ports!.map((p) => p.nodePort!));
  t.is(new Set(ips).size, 40);
  t.is(new Set(ports).size, 80);
  await a.store.sync!();
  t.deepEqual(held(a.store, rangeTypes.ips), [...ips].sort());
  t.deepEqual(held(a.store, rangeTypes.ports), ports.map(String).sort());
  // Deleting through the other server frees them for everyone.
  await b.store.sync!();
  await Promise.all(created.map((s) => b.registry.delete(types.services, 'default', s.metadata.name!)));
  await a.store.sync!();
  t.deepEqual(held(a.store, rangeTypes.ports), []);
  t.deepEqual(held(a.store, rangeTypes.ips), []);
});

test('an update that loses a race after taking new nodePorts gives them back; only what the stored Service holds stays held', async (t) => {
  const [a, b] = await twoApiServers(t);
  await a.registry.create(types.services, 'default', svc('web', 'ClusterIP'));
  await b.store.sync!();
  // Make a's first write of web lose: b changes web just before it.
  const write = a.store.write.bind(a.store);
  let raced = false;
  a.store.write = async (op, type, key, obj) => {
    if (!raced && type === 'core/services' && key === 'default/web') {
      raced = true;
      const current = b.registry.get(types.services, 'default', 'web');
      await b.registry.update(types.services, 'default', 'web', { ...current, metadata: { ...current.metadata, labels: { by: 'b' } } });
    }
    return write(op, type, key, obj);
  };
  const current = a.registry.get(types.services, 'default', 'web');
  const updated = (await a.registry.update(types.services, 'default', 'web', { ...current, metadata: { ...current.metadata, resourceVersion: undefined }, spec: { ...(current.spec as object), type: 'NodePort' } })) as Service;
  t.true(raced);
  t.is(updated.spec.type, 'NodePort');
  await a.store.sync!();
  t.deepEqual(held(a.store, rangeTypes.ports), updated.spec.ports!.map((p) => String(p.nodePort)).sort());
  // Back to ClusterIP: the nodePorts are released once the update is stored.
  const back = (await b.registry.update(types.services, 'default', 'web', { ...updated, metadata: { ...updated.metadata, resourceVersion: undefined }, spec: { ...updated.spec, type: 'ClusterIP' } })) as Service;
  t.false(back.spec.ports!.some((p) => p.nodePort));
  t.deepEqual(held(b.store, rangeTypes.ports), []);
});

test('the repair loop holds values of Services that lack them and releases old values no Service holds', async (t) => {
  const [a] = await twoApiServers(t);
  const web = (await a.registry.create(types.services, 'default', svc('web'))) as Service;
  const [ipBook, portBook] = [a.allocations.ips, a.allocations.ports];
  // A crash between allocation and write: a value held for nobody; and a Service whose value is not held.
  await portBook.take(a.allocations.portOffset(31999), { namespace: 'default', name: 'gone', uid: 'x' });
  await ipBook.release(a.allocations.ipOffset(web.spec.clusterIP!)!);
  t.false(ipBook.has(a.allocations.ipOffset(web.spec.clusterIP!)!));
  const young = await repairAllocations(a.store, a.allocations);
  t.deepEqual(young, { claimed: 1, released: 0 }, 'a fresh value may belong to a write in flight');
  const later = await repairAllocations(a.store, a.allocations, Date.now() + 120_000);
  t.deepEqual(later, { claimed: 0, released: 1 });
  t.true(ipBook.has(a.allocations.ipOffset(web.spec.clusterIP!)!));
  t.deepEqual(held(a.store, rangeTypes.ports), web.spec.ports!.map((p) => String(p.nodePort)).sort());
});
