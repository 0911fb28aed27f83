import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../../src/apiserver/store.js';
import { tempDir } from '../../helpers/tmp.js';
import { storeContract } from './store-contract.js';

storeContract(test, 'embedded', async (t) => {
  const dir = tempDir(t);
  return {
    open: async (opts) => new Store(dir, opts),
    compact: async (store) => (store as Store).snapshot(),
  };
});

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

test('a reopened store has every object and resourceVersion it acknowledged', async (t) => {
  const dir = tempDir(t);
  const a = new Store(dir);
  await a.write('put', 'core/namespaces', 'one', ns('one'));
  const two = await a.write('put', 'core/namespaces', 'two', ns('two'));
  await a.write('del', 'core/namespaces', 'one', ns('one'));
  a.close();

  const b = new Store(dir);
  t.is(b.resourceVersion, 3);
  t.is(b.get('core/namespaces', 'one'), undefined);
  t.deepEqual(b.get('core/namespaces', 'two'), two);
  t.is(b.get('core/namespaces', 'two')!.metadata.resourceVersion, '2');
  b.close();
});

test('a torn last WAL line from a crash is dropped and later writes still land', async (t) => {
  const dir = tempDir(t);
  const a = new Store(dir);
  await a.write('put', 'core/namespaces', 'kept', ns('kept'));
  a.close();
  fs.appendFileSync(path.join(dir, 'wal.log'), '{"rv":2,"op":"put","type":"core/names');

  const b = new Store(dir);
  t.is(b.resourceVersion, 1);
  await b.write('put', 'core/namespaces', 'after', ns('after'));
  b.close();
  const c = new Store(dir);
  t.truthy(c.get('core/namespaces', 'kept'));
  t.truthy(c.get('core/namespaces', 'after'));
  t.is(c.resourceVersion, 2);
  c.close();
});

test('a snapshot empties the WAL and the store reopens from snapshot plus WAL', async (t) => {
  const dir = tempDir(t);
  const a = new Store(dir, { snapshotEvery: 10 });
  await Promise.all(Array.from({ length: 25 }, (_, i) => a.write('put', 'core/namespaces', `n${i}`, ns(`n${i}`))));
  t.true(fs.existsSync(path.join(dir, 'snapshot.json')));
  t.true(fs.readFileSync(path.join(dir, 'wal.log'), 'utf8').split('\n').filter(Boolean).length < 25);
  a.close();
  const b = new Store(dir);
  t.is(b.count('core/namespaces'), 25);
  t.is(b.resourceVersion, 25);
  b.close();
});

test('the store directory is 0700 and its WAL and snapshot 0600, also when an older lab left them open to all', async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'wal.log'), '', { mode: 0o644 });
  const a = new Store(dir, { snapshotEvery: 2 });
  for (const n of ['a', 'b', 'c']) await a.write('put', 'core/namespaces', n, ns(n));
  a.close();
  const mode = (f: string) => fs.statSync(f).mode & 0o777;
  t.is(mode(dir), 0o700);
  t.is(mode(path.join(dir, 'wal.log')), 0o600);
  t.is(mode(path.join(dir, 'snapshot.json')), 0o600);
});

test('an object that cannot be serialized is refused and leaves the store as it was (no exit)', async (t) => {
  const dir = tempDir(t);
  const a = new Store(dir);
  await a.write('put', 'core/namespaces', 'kept', ns('kept'));
  const bad = { ...ns('bad'), spec: { n: 1n } } as unknown as Parameters<Store['write']>[3];
  await t.throwsAsync(a.write('put', 'core/namespaces', 'bad', bad), { instanceOf: TypeError });
  t.is(a.get('core/namespaces', 'bad'), undefined);
  t.is(a.resourceVersion, 1);
  t.is((await a.write('put', 'core/namespaces', 'after', ns('after'))).metadata.resourceVersion, '2');
  a.close();
});
