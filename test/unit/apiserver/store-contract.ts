// The behaviour every store backend owes the registry and the watches, run
// against the embedded store (store.test.ts) and etcd (etcd/store.test.ts).
import type { ExecutionContext, TestFn } from 'ava';
import { types } from '../../../src/api/resources.js';
import type { ApiError } from '../../../src/api/errors.js';
import type { KubeObject, Service } from '../../../src/api/types.js';
import { ServiceAllocations } from '../../../src/apiserver/allocators/service-allocations.js';
import { serviceStrategy } from '../../../src/apiserver/strategies/service.js';
import { Registry } from '../../../src/apiserver/registry.js';
import { TooOldError, type ObjectStore, type StoreEvent } from '../../../src/apiserver/store.js';
import { strategies } from '../../../src/apiserver/strategies/index.js';

export interface Backend {
  /** Opens a store on this test's state; a second call after close() is a restart. */
  open(opts?: { historySize?: number }): Promise<ObjectStore>;
  /** Compacts the backend's history up to the store's current resourceVersion. */
  compact(store: ObjectStore): Promise<void>;
}

const ns = (name: string, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(labels ? { labels } : {}) } });
const rvOf = (o: KubeObject | undefined): number => Number(o?.metadata.resourceVersion);
const names = (events: StoreEvent[]): [string, string][] => events.map((e) => [e.type, e.object.metadata.name!]);

export function storeContract(test: TestFn, name: string, backend: (t: ExecutionContext) => Promise<Backend>): void {
  allocationContract(test, name, backend);
  test(`${name}: created objects are read back with growing resourceVersions, listed by namespace and counted`, async (t) => {
    const store = await (await backend(t)).open();
    const a = await store.write('put', 'core/namespaces', 'a', ns('a'));
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'a' }, spec: { ports: [{ port: 80 }] } };
    const web = await store.write('put', 'core/services', 'a/web', svc);
    await store.write('put', 'core/services', 'b/db', { ...svc, metadata: { name: 'db', namespace: 'b' } });
    t.true(rvOf(web) > rvOf(a));
    t.is(store.resourceVersion, rvOf(store.get('core/services', 'b/db')));
    t.deepEqual(store.get('core/services', 'a/web'), web);
    t.deepEqual(web.spec, svc.spec);
    t.deepEqual(
      store.list('core/services', 'a').map((o) => o.metadata.name),
      ['web'],
    );
    t.is(store.count('core/services'), 2);
    store.close();
  });

  test(`${name}: an update and a delete are seen by get and told to watchers with the previous object`, async (t) => {
    const store = await (await backend(t)).open();
    const v1 = await store.write('put', 'core/namespaces', 'a', ns('a'));
    const seen: StoreEvent[] = [];
    store.subscribe(store.resourceVersion, (e) => seen.push(e));
    const v2 = await store.write('put', 'core/namespaces', 'a', ns('a', { tier: 'web' }));
    t.true(rvOf(v2) > rvOf(v1));
    t.deepEqual(store.get('core/namespaces', 'a')?.metadata.labels, { tier: 'web' });
    await store.write('del', 'core/namespaces', 'a', v2);
    t.is(store.get('core/namespaces', 'a'), undefined);
    t.deepEqual(names(seen), [
      ['MODIFIED', 'a'],
      ['DELETED', 'a'],
    ]);
    t.is(seen[0]!.previous?.metadata.labels, undefined);
    t.deepEqual(seen[1]!.previous?.metadata.labels, { tier: 'web' });
    t.true(seen[1]!.rv > rvOf(v2));
    store.close();
  });

  test(`${name}: concurrent read-modify-writes of one object all land (the registry reruns those that lost a race)`, async (t) => {
    const store = await (await backend(t)).open();
    const registry = new Registry(store);
    for (const s of strategies) registry.register(s);
    await store.write('put', 'core/namespaces', 'shared', ns('shared'));
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        registry.mutate(types.namespaces, undefined, 'shared', (o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, [`k${i}`]: 'v' } } })),
      ),
    );
    t.is(Object.keys(store.get('core/namespaces', 'shared')!.metadata.labels ?? {}).length, 8);
    store.close();
  });

  test(`${name}: a watch from a resourceVersion gets the events after it, then live ones, in order`, async (t) => {
    const store = await (await backend(t)).open();
    const a = await store.write('put', 'core/namespaces', 'a', ns('a'));
    await store.write('put', 'core/namespaces', 'b', ns('b'));
    await store.write('put', 'core/namespaces', 'c', ns('c'));
    const seen: StoreEvent[] = [];
    const stop = store.subscribe(rvOf(a), (e) => seen.push(e));
    await store.write('put', 'core/namespaces', 'a', ns('a', { x: 'y' }));
    stop();
    await store.write('put', 'core/namespaces', 'd', ns('d'));
    t.deepEqual(names(seen), [
      ['ADDED', 'b'],
      ['ADDED', 'c'],
      ['MODIFIED', 'a'],
    ]);
    t.true(seen.every((e, i) => i === 0 || e.rv > seen[i - 1]!.rv));
    store.close();
  });

  test(`${name}: a watch from a resourceVersion older than the kept history is refused as too old (410)`, async (t) => {
    const store = await (await backend(t)).open({ historySize: 2 });
    const first = await store.write('put', 'core/namespaces', 'n0', ns('n0'));
    for (let i = 1; i < 8; i++) await store.write('put', 'core/namespaces', `n${i}`, ns(`n${i}`));
    const err = t.throws(() => store.subscribe(rvOf(first), () => undefined), { instanceOf: TooOldError });
    t.regex(err!.message, /^too old resource version: \d+ \(\d+\)$/);
    t.notThrows(() => store.subscribe(store.resourceVersion, () => undefined)());
    store.close();
  });

  test(`${name}: after a restart the objects keep their resourceVersions and a watch resumes from before it`, async (t) => {
    const b = await backend(t);
    const before = await b.open();
    const a = await before.write('put', 'core/namespaces', 'a', ns('a'));
    const two = await before.write('put', 'core/namespaces', 'b', ns('b'));
    before.close();
    const after = await b.open();
    t.deepEqual(after.get('core/namespaces', 'b'), two);
    t.is(after.resourceVersion, rvOf(two));
    const seen: StoreEvent[] = [];
    after.subscribe(rvOf(a), (e) => seen.push(e));
    const c = await after.write('put', 'core/namespaces', 'c', ns('c'));
    t.true(rvOf(c) > rvOf(two));
    t.deepEqual(names(seen), [
      ['ADDED', 'b'],
      ['ADDED', 'c'],
    ]);
    after.close();
  });

  test(`${name}: after a compaction and a restart, watches from before it get 410 and later ones still work`, async (t) => {
    const b = await backend(t);
    const before = await b.open();
    const old = await before.write('put', 'core/namespaces', 'a', ns('a'));
    await before.write('put', 'core/namespaces', 'b', ns('b'));
    await b.compact(before);
    const compactedAt = before.resourceVersion;
    before.close();
    const after = await b.open();
    t.throws(() => after.subscribe(rvOf(old), () => undefined), { instanceOf: TooOldError });
    const seen: StoreEvent[] = [];
    after.subscribe(compactedAt, (e) => seen.push(e));
    await after.write('put', 'core/namespaces', 'c', ns('c'));
    t.deepEqual(names(seen), [['ADDED', 'c']]);
    t.is(after.count('core/namespaces'), 3);
    after.close();
  });

  test(`${name}: an object that cannot be serialized is refused and leaves the store as it was`, async (t) => {
    const store = await (await backend(t)).open();
    await store.write('put', 'core/namespaces', 'kept', ns('kept'));
    const rv = store.resourceVersion;
    const bad = { ...ns('bad'), spec: { n: 1n } } as unknown as KubeObject;
    await t.throwsAsync(store.write('put', 'core/namespaces', 'bad', bad), { instanceOf: TypeError });
    t.is(store.get('core/namespaces', 'bad'), undefined);
    t.is(store.resourceVersion, rv);
    t.true(rvOf(await store.write('put', 'core/namespaces', 'after', ns('after'))) > rv);
    store.close();
  });
}

function allocationContract(test: TestFn, name: string, backend: (t: ExecutionContext) => Promise<Backend>): void {
  test(`${name}: a Service's cluster IP and nodePort are held while it has them: taken values are refused, a dry run and a refused create take nothing, an update releases what it gave up once stored`, async (t) => {
    const store = await (await backend(t)).open();
    const registry = new Registry(store);
    for (const s of strategies) registry.register(s);
    const config = { serviceCIDR: '10.96.0.0/24', nodePortRange: { min: 30000, max: 30099 } };
    const allocations = ServiceAllocations.on(store, config);
    registry.register(serviceStrategy(allocations, config));
    await store.write('put', 'core/namespaces', 'default', ns('default'));
    const svc = (n: string, spec: Record<string, unknown>): KubeObject => ({ metadata: { name: n }, spec: { selector: { app: n }, ports: [{ port: 80 }], ...spec } });
    const web = (await registry.create(types.services, 'default', svc('web', { type: 'NodePort', clusterIP: '10.96.0.20', ports: [{ port: 80, nodePort: 30020 }] }))) as Service;
    t.is(web.spec.clusterIP, '10.96.0.20');
    const taken = await registry.create(types.services, 'default', svc('db', { clusterIP: '10.96.0.20' })).catch((e: ApiError) => e);
    t.is((taken as ApiError).code, 422);
    const port = await registry.create(types.services, 'default', svc('db', { type: 'NodePort', ports: [{ port: 80, nodePort: 30020 }] })).catch((e: ApiError) => e);
    t.regex((port as ApiError).message, /provided port is already allocated/);
    t.false(allocations.ips.has(allocations.ipOffset('10.96.0.21')!) || allocations.ports.has(allocations.portOffset(30021)));
    await registry.create(types.services, 'default', svc('dry', { clusterIP: '10.96.0.21', type: 'NodePort', ports: [{ port: 80, nodePort: 30021 }] }), { dryRun: true });
    // A create refused after its cluster IP was taken (its nodePort is taken) gives the IP back.
    await registry.create(types.services, 'default', svc('half', { clusterIP: '10.96.0.21', type: 'NodePort', ports: [{ port: 80, nodePort: 30020 }] })).catch(() => undefined);
    t.false(allocations.ips.has(allocations.ipOffset('10.96.0.21')!), 'nothing held by a dry run or a refused create');
    const current = registry.get(types.services, 'default', 'web') as Service;
    await registry.update(types.services, 'default', 'web', { ...current, spec: { ...current.spec, type: 'ClusterIP' } });
    t.false(allocations.ports.has(allocations.portOffset(30020)), 'the nodePort is free once the update is stored');
    t.true(allocations.ips.has(allocations.ipOffset('10.96.0.20')!));
    await registry.delete(types.services, 'default', 'web');
    t.false(allocations.ips.has(allocations.ipOffset('10.96.0.20')!));
    store.close();
  });
}
