import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Pod, Taint } from '../../../src/api/types.js';
import { effectiveTolerations, tolerationSeconds } from '../../../src/controllers/node-pods.js';
import { eventsFor, markRunning, ns, pod, readyCondition, startCluster, waitFor } from './fake-cluster.js';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const condition = (p: Pod | undefined, type: string) => p?.status?.conditions?.find((c) => c.type === type)?.status;

test('pods on a node that stops being Ready turn NotReady, then are evicted when their toleration runs out', async (t) => {
  const c = await startCluster(t, { controllers: ['node-pods'], nodes: ['n1', 'n2'] });
  const tolerate = (tolerationSeconds?: number) => ({ tolerations: [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds }] });
  const specs = [pod('brief', { app: 'web' }, { nodeName: 'n1', ...tolerate(2) }), pod('forever', { app: 'web' }, { nodeName: 'n1', ...tolerate() }), pod('elsewhere', { app: 'web' }, { nodeName: 'n2' })];
  for (const [i, spec] of specs.entries()) await markRunning(c.client, await c.client.create<Pod>(types.pods, spec), `10.244.0.${i + 2}`);
  await waitFor('3 ready pods', () => c.pods.list().filter((p) => condition(p, 'Ready') === 'True').length === 3);

  // What the node lifecycle controller does to a node whose lease expired.
  const lostAt = Date.now();
  await c.client.patch(types.nodes, 'n1', { status: { conditions: [readyCondition('Unknown')] } }, undefined, 'status');
  await c.client.patch(types.nodes, 'n1', { spec: { taints: [{ ...unreachable, timeAdded: new Date().toISOString() }] } });

  for (const name of ['brief', 'forever']) {
    const p = await waitFor(`${name} not ready`, () => {
      const x = c.pods.get(`${ns}/${name}`);
      return condition(x, 'Ready') === 'False' && x;
    });
    t.is(condition(p, 'ContainersReady'), 'False');
  }
  const evicted = await waitFor('brief evicted', () => (c.pods.get(`${ns}/brief`)?.metadata.deletionTimestamp ? Date.now() : undefined));
  t.true(evicted - lostAt >= 2000, `evicted after ${evicted - lostAt} ms`);
  const brief = c.pods.get(`${ns}/brief`)!;
  t.like(brief.status?.conditions?.find((x) => x.type === 'DisruptionTarget'), { status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
  const event = await waitFor('the eviction event', async () => (await eventsFor(c.client, brief)).find((e) => e.reason === 'TaintManagerEviction'));
  t.like(event, { type: 'Normal', message: `Marking for deletion Pod ${ns}/brief`, source: { component: 'taint-eviction-controller' } });

  t.falsy(c.pods.get(`${ns}/forever`)?.metadata.deletionTimestamp);
  t.is(condition(c.pods.get(`${ns}/elsewhere`), 'Ready'), 'True');
});

test('a pod that does not tolerate a NoExecute taint goes at once; a taint removed in time cancels a pending eviction', async (t) => {
  const c = await startCluster(t, { controllers: ['node-pods'], nodes: ['n1'] });
  const maintenance: Taint = { key: 'maintenance', effect: 'NoExecute' };
  await c.client.create(types.pods, pod('intolerant', { app: 'web' }, { nodeName: 'n1' }));
  const patient = await c.client.create<Pod>(types.pods, pod('patient', { app: 'web' }, { nodeName: 'n1', tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 }] }));
  await waitFor('2 pods', () => c.pods.list().length === 2);

  await c.client.patch(types.nodes, 'n1', { spec: { taints: [maintenance] } });
  await waitFor('intolerant evicted', () => c.pods.get(`${ns}/intolerant`)?.metadata.deletionTimestamp);
  await c.client.patch(types.nodes, 'n1', { spec: { taints: null } });
  const cancelled = await waitFor('the cancellation event', async () => (await eventsFor(c.client, patient)).find((e) => e.message === `Cancelling deletion of Pod ${ns}/patient`));
  t.is(cancelled.reason, 'TaintManagerEviction');
  t.falsy(c.pods.get(`${ns}/patient`)?.metadata.deletionTimestamp);
});

test('tolerations: the default ones last defaultTolerationSeconds, the shortest matching one wins, none means now, no limit means never', (t) => {
  const bare = pod('p', {});
  t.is(tolerationSeconds([unreachable], effectiveTolerations(bare, 2)), 2);
  t.is(tolerationSeconds([unreachable, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }], effectiveTolerations(bare, 300)), 300);
  t.is(tolerationSeconds([{ key: 'other', effect: 'NoExecute' }], effectiveTolerations(bare, 300)), 0);
  const own = pod('p', {}, { tolerations: [{ key: unreachable.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }] });
  t.is(tolerationSeconds([unreachable], effectiveTolerations(own, 300)), 60);
  const all = pod('p', {}, { tolerations: [{ operator: 'Exists' }] });
  t.is(tolerationSeconds([unreachable, { key: 'other', effect: 'NoExecute' }], effectiveTolerations(all, 300)), Infinity);
});
