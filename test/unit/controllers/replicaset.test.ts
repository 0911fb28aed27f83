import test from 'ava';
import { readyCondition } from '../../../src/api/conditions.js';
import { types } from '../../../src/api/resources.js';
import { timestamp, type Pod, type ReplicaSet } from '../../../src/api/types.js';
import { deletionOrder } from '../../../src/controllers/replicaset.js';
import { activePodsOf, eventsFor, markRunning, ns, pod, replicaSet, runningStatus, startCluster, waitFor } from './fake-cluster.js';

test('a replicaset creates its pods from the template, owned by it, and reports them in status', async (t) => {
  const c = await startCluster(t, { controllers: ['replicaset', 'scheduler'], kubelet: true });
  const rs = await c.client.create<ReplicaSet>(types.replicasets, replicaSet('web', 3));
  const pods = await waitFor('3 running pods', () => {
    const ps = activePodsOf(c, rs);
    return ps.length === 3 && ps.every((p) => p.status?.phase === 'Running') && ps;
  });
  for (const p of pods) {
    t.regex(p.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    t.deepEqual(p.metadata.labels, { app: 'web' });
    t.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  }
  t.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['n1', 'n2', 'n3']);
  const status = await waitFor('status', () => {
    const s = c.replicasets.get(`${ns}/web`)?.status;
    return s?.availableReplicas === 3 && s;
  });
  t.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  const events = await waitFor('3 SuccessfulCreate events', async () => {
    const es = (await eventsFor(c.client, rs)).filter((e) => e.reason === 'SuccessfulCreate');
    return es.length === 3 && es;
  });
  t.deepEqual(events.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
  t.is(events[0]?.source?.component, 'replicaset-controller');
});

test('a deleted pod and a pod whose process died (Failed) are replaced', async (t) => {
  const c = await startCluster(t, { controllers: ['replicaset', 'scheduler'], kubelet: true });
  const rs = await c.client.create<ReplicaSet>(types.replicasets, replicaSet('web', 2));
  const first = await waitFor('2 running pods', () => {
    const ps = activePodsOf(c, rs);
    return ps.length === 2 && ps.every((p) => p.status?.phase === 'Running') && ps;
  });
  const [gone, dies] = first;
  await c.client.delete(types.pods, gone!.metadata.name!, ns);
  await c.client.patch(types.pods, dies!.metadata.name!, { status: { phase: 'Failed', conditions: [] } }, ns, 'status');
  const now = await waitFor('2 new active pods', () => {
    const ps = activePodsOf(c, rs);
    return ps.length === 2 && ps.every((p) => !first.some((f) => f.metadata.uid === p.metadata.uid)) && ps;
  });
  t.is(now.length, 2);
  // Upstream leaves Failed pods to the pod GC; the ReplicaSet just stops counting them.
  t.is(c.pods.get(`${ns}/${dies!.metadata.name}`)?.status?.phase, 'Failed');
});

test('scaling down deletes unscheduled, then pending, then not-ready pods before ready ones', async (t) => {
  const c = await startCluster(t, { controllers: ['replicaset'] });
  const labels = { app: 'web' };
  const ready = await c.client.create<Pod>(types.pods, pod('ready', labels, { nodeName: 'n1' }));
  await markRunning(c.client, ready, '10.244.0.2');
  await c.client.create(types.pods, pod('not-ready', labels, { nodeName: 'n2' }));
  await c.client.patch(types.pods, 'not-ready', { status: { ...runningStatus('10.244.1.2'), conditions: [{ type: 'Ready', status: 'False' }] } }, ns, 'status');
  await c.client.create(types.pods, pod('pending', labels, { nodeName: 'n3' }));
  await c.client.create(types.pods, pod('unscheduled', labels));
  await waitFor('4 pods seen', () => c.pods.list().length === 4);

  // The orphans match its selector: the ReplicaSet adopts all four instead of creating any.
  const rs = await c.client.create<ReplicaSet>(types.replicasets, replicaSet('web', 4));
  await waitFor('adoption', () => activePodsOf(c, rs).length === 4);
  t.false((await eventsFor(c.client, rs)).some((e) => e.reason === 'SuccessfulCreate'));

  const survivors = async (n: number): Promise<string[]> => {
    await c.client.patch(types.replicasets, 'web', { spec: { replicas: n } }, ns);
    return waitFor(`${n} pods left`, () => {
      const ps = activePodsOf(c, rs);
      return ps.length === n && ps.map((p) => p.metadata.name!).sort();
    });
  };
  t.deepEqual(await survivors(3), ['not-ready', 'pending', 'ready']);
  t.deepEqual(await survivors(2), ['not-ready', 'ready']);
  t.deepEqual(await survivors(1), ['ready']);
  const deleted = (await eventsFor(c.client, rs)).filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message);
  t.deepEqual(deleted.sort(), ['Deleted pod: not-ready', 'Deleted pod: pending', 'Deleted pod: unscheduled']);
});

test('a pod relabelled out of the selector is released and replaced', async (t) => {
  const c = await startCluster(t, { controllers: ['replicaset'] });
  const rs = await c.client.create<ReplicaSet>(types.replicasets, replicaSet('web', 2));
  const [p] = await waitFor('2 pods', () => activePodsOf(c, rs).length === 2 && activePodsOf(c, rs));
  await c.client.patch(types.pods, p!.metadata.name!, { metadata: { labels: { app: 'debug' } } }, ns);
  await waitFor('the release', () => c.pods.get(`${ns}/${p!.metadata.name}`)?.metadata.ownerReferences === undefined);
  const now = await waitFor('2 owned pods again', () => activePodsOf(c, rs).length === 2 && activePodsOf(c, rs));
  t.false(now.some((x) => x.metadata.uid === p!.metadata.uid));
});

test('availableReplicas waits minReadySeconds after a pod turns ready', async (t) => {
  const c = await startCluster(t, { controllers: ['replicaset', 'scheduler'], kubelet: true });
  const rs = await c.client.create<ReplicaSet>(types.replicasets, replicaSet('web', 2, { minReadySeconds: 1 }));
  const status = await waitFor('availableReplicas 2', () => {
    const s = c.replicasets.get(`${ns}/web`)?.status;
    return s?.availableReplicas === 2 && s;
  });
  t.is(status.readyReplicas, 2);
  // Readiness is stamped with second precision, so "1 s later" can come a little early by our clock.
  const readySince = Math.max(...activePodsOf(c, rs).map((p) => Date.parse(readyCondition(p)!.lastTransitionTime!)));
  t.true(Date.now() > readySince + 1000);
});

test('deletion order follows upstream ranking: unassigned, phase, readiness, doubled-up nodes, ready time, restarts, age', (t) => {
  const now = Date.now();
  const at = (msAgo: number) => timestamp(new Date(now - msAgo));
  const mk = (name: string, spec: Partial<Pod['spec']>, status: Pod['status'], created: number, uid = name): Pod => ({
    metadata: { name, uid, creationTimestamp: at(created) },
    spec: { containers: [], ...spec },
    status,
  });
  const ready = (since: number, restarts = 0): Pod['status'] => ({
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at(since) }],
    containerStatuses: [{ name: 'app', ready: true, restartCount: restarts, image: '', imageID: '', state: {} }],
  });
  const pods = [
    mk('old-ready', { nodeName: 'a' }, ready(3_600_000), 3_600_000),
    mk('young-ready', { nodeName: 'b' }, ready(10_000), 10_000),
    mk('doubled', { nodeName: 'c' }, ready(3_600_000), 3_600_000),
    mk('doubled-too', { nodeName: 'c' }, ready(3_600_000), 3_600_000),
    mk('restarted', { nodeName: 'd' }, ready(3_600_000, 5), 3_600_000),
    mk('not-ready', { nodeName: 'e' }, { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }, 60_000),
    mk('pending', { nodeName: 'f' }, { phase: 'Pending' }, 60_000),
    mk('unassigned', {}, { phase: 'Pending' }, 60_000),
  ];
  const order = deletionOrder(pods, pods, now).map((p) => p.metadata.name);
  t.deepEqual(order, ['unassigned', 'pending', 'not-ready', 'doubled', 'doubled-too', 'young-ready', 'restarted', 'old-ready']);
});
