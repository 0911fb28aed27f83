import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Node } from '../../../src/api/types.js';
import { ApiClient } from '../../../src/client/client.js';
import { Informer } from '../../../src/client/informer.js';
import { startApiServer } from '../../helpers/apiserver.js';
import { waitFor } from '../../helpers/lab.js';

const node = (name: string) => ({ metadata: { name }, spec: {} });

function record(informer: Informer<Node>): string[] {
  const log: string[] = [];
  informer.on({
    add: (n) => log.push(`add ${n.metadata.name}`),
    update: (n) => log.push(`update ${n.metadata.name}`),
    delete: (n) => log.push(`delete ${n.metadata.name}`),
  });
  return log;
}

test('an informer lists, then follows adds, updates and deletes', async (t) => {
  const s = await startApiServer(t);
  await s.client.create(types.nodes, node('a'));
  const informer = new Informer<Node>(s.client, types.nodes);
  const log = record(informer);
  informer.start();
  t.teardown(() => informer.stop());
  await informer.synced;
  await s.client.create(types.nodes, node('b'));
  await s.client.patch(types.nodes, 'a', { metadata: { labels: { x: 'y' } } });
  await s.client.delete(types.nodes, 'b');
  await waitFor('three events', () => log.length >= 4);
  t.deepEqual(log, ['add a', 'add b', 'update a', 'delete b']);
  t.deepEqual(informer.get('a')?.metadata.labels, { x: 'y' });
});

test('an informer resumes after the API server restarts and sees changes made while it was away', async (t) => {
  const first = await startApiServer(t);
  await first.client.create(types.nodes, node('a'));
  await first.client.create(types.nodes, node('b'));
  const client = new ApiClient({ server: first.url, timeoutMs: 2000 });
  t.teardown(() => client.close());
  const informer = new Informer<Node>(client, types.nodes);
  const log = record(informer);
  informer.start();
  t.teardown(() => informer.stop());
  await informer.synced;

  first.stop();
  // Same data directory and port: a restarted API server, as the supervisor would start it.
  const second = await startApiServer(t, { dir: first.dir, port: first.port });
  await second.client.delete(types.nodes, 'a');
  await second.client.create(types.nodes, node('c'));
  await waitFor('the informer to catch up', () => informer.list().length === 2 && informer.get('c'), 10_000);
  t.deepEqual(log, ['add a', 'add b', 'delete a', 'add c']);
});

test('an informer whose resourceVersion fell out of the history relists and reports the difference', async (t) => {
  const first = await startApiServer(t, { historySize: 2 });
  await first.client.create(types.nodes, node('a'));
  const client = new ApiClient({ server: first.url, timeoutMs: 2000 });
  t.teardown(() => client.close());
  const informer = new Informer<Node>(client, types.nodes);
  const log = record(informer);
  informer.start();
  t.teardown(() => informer.stop());
  await informer.synced;
  first.stop();
  const second = await startApiServer(t, { dir: first.dir, port: first.port, historySize: 2 });
  await second.client.delete(types.nodes, 'a');
  for (let i = 0; i < 6; i++) await second.client.create(types.nodes, node(`n${i}`));
  await waitFor('the relist', () => informer.list().length === 6 && !informer.get('a'), 10_000);
  t.true(log.includes('delete a'));
  t.is(log.filter((l) => l.startsWith('add n')).length, 6);
});
