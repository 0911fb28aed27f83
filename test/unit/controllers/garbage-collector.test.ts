import test from 'ava';
import { randomUUID } from 'node:crypto';
import { types } from '../../../src/api/resources.js';
import type { Deployment, Pod, ReplicaSet } from '../../../src/api/types.js';
import { poll } from '../../../src/util/poll.js';
import { activePodsOf, deployment, ns, ownedBy, pod, replicaSet, startCluster, waitFor } from './fake-cluster.js';

test('deleting a ReplicaSet deletes its pods', async (t) => {
  const c = await startCluster(t, { controllers: ['replicaset', 'garbage-collector'] });
  const rs = await c.client.create<ReplicaSet>(types.replicasets, replicaSet('web', 3));
  await waitFor('3 pods', () => activePodsOf(c, rs).length === 3);
  const bystander = await c.client.create<Pod>(types.pods, pod('bystander', { app: 'other' }));
  await c.client.delete(types.replicasets, 'web', ns);
  await waitFor('the pods gone', () => c.pods.list().length === 1);
  t.is(c.pods.list()[0]?.metadata.uid, bystander.metadata.uid);
});

test('pods bound to a node are deleted gracefully: they stay Terminating until their kubelet is done', async (t) => {
  const c = await startCluster(t, { controllers: ['replicaset', 'scheduler', 'garbage-collector'] });
  const rs = await c.client.create<ReplicaSet>(types.replicasets, replicaSet('web', 2));
  await waitFor('2 bound pods', () => activePodsOf(c, rs).filter((p) => p.spec.nodeName).length === 2);
  await c.client.delete(types.replicasets, 'web', ns);
  const terminating = await waitFor('2 terminating pods', () => {
    const ps = c.pods.list().filter((p) => ownedBy(p, rs) && p.metadata.deletionTimestamp);
    return ps.length === 2 && ps;
  });
  t.true(terminating.every((p) => p.metadata.deletionGracePeriodSeconds === 30));
});

test('deleting a Deployment deletes its ReplicaSets, then their pods', async (t) => {
  const c = await startCluster(t, { controllers: ['replicaset', 'deployment', 'garbage-collector'] });
  const d = await c.client.create<Deployment>(types.deployments, deployment('web', 2));
  await waitFor('2 pods', () => c.pods.list().length === 2);
  t.true(c.replicasets.list().every((rs) => ownedBy(rs, d)));
  await c.client.delete(types.deployments, 'web', ns);
  t.true(await poll(() => c.replicasets.list().length === 0 && c.pods.list().length === 0, { timeoutMs: 10_000 }), 'the ReplicaSets and their pods are deleted');
});

test('objects whose owners vanished while the collector was away are collected when it starts; live owners keep theirs', async (t) => {
  const c = await startCluster(t, { controllers: [] });
  const live = await c.client.create<ReplicaSet>(types.replicasets, replicaSet('live', 0));
  const ghost = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ghost', uid: randomUUID(), controller: true, blockOwnerDeletion: true };
  const liveRef = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'live', uid: live.metadata.uid! };
  await c.client.create(types.pods, { ...pod('orphaned', { app: 'x' }), metadata: { name: 'orphaned', namespace: ns, ownerReferences: [ghost] } });
  await c.client.create(types.pods, { ...pod('half', { app: 'x' }), metadata: { name: 'half', namespace: ns, ownerReferences: [ghost, liveRef] } });
  await c.client.create(types.pods, { ...pod('kept', { app: 'x' }), metadata: { name: 'kept', namespace: ns, ownerReferences: [liveRef] } });
  // Same name as the owner, another uid: the owner it names is still gone.
  await c.client.create(types.replicasets, replicaSet('ghost', 0));
  await waitFor('the informers to catch up', () => c.pods.list().length === 3 && c.replicasets.list().length === 2);

  c.start('garbage-collector');
  await waitFor('the orphan collected', () => !c.pods.get(`${ns}/orphaned`));
  const half = await waitFor('the dangling reference dropped', () => c.pods.get(`${ns}/half`)?.metadata.ownerReferences?.length === 1 && c.pods.get(`${ns}/half`));
  t.deepEqual(half.metadata.ownerReferences, [liveRef]);
  t.deepEqual(c.pods.get(`${ns}/kept`)?.metadata.ownerReferences, [liveRef]);
});
