import test from 'ava';
import { types } from '../../../src/api/resources.js';
import type { Pod } from '../../../src/api/types.js';
import { fitError } from '../../../src/controllers/scheduler.js';
import { eventsFor, ns, pod, readyCondition, startCluster, waitFor } from './fake-cluster.js';

const boundTo = (c: Awaited<ReturnType<typeof startCluster>>, name: string) => waitFor(`pod ${name} bound`, () => c.pods.get(`${ns}/${name}`)?.spec.nodeName);

test('pods spread over the nodes, fewest pods first, ties broken by node name', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler'] });
  for (let i = 0; i < 6; i++) await c.client.create(types.pods, pod(`p${i}`, { app: 'web' }));
  const nodes = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => boundTo(c, `p${i}`)));
  const perNode = nodes.reduce<Record<string, number>>((m, n) => ({ ...m, [n]: (m[n] ?? 0) + 1 }), {});
  t.deepEqual(perNode, { n1: 2, n2: 2, n3: 2 });
  t.is(nodes[0], 'n1');

  const p0 = c.pods.get(`${ns}/p0`)!;
  t.like(p0.status?.conditions?.find((x) => x.type === 'PodScheduled'), { status: 'True' });
  const events = await waitFor('the Scheduled event', async () => (await eventsFor(c.client, p0)).find((e) => e.reason === 'Scheduled'));
  t.like(events, { type: 'Normal', message: `Successfully assigned ${ns}/p0 to n1`, source: { component: 'default-scheduler' } });
});

test('a pod that names its node is left alone and counts on that node', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler'] });
  const pinned = await c.client.create<Pod>(types.pods, pod('pinned', { app: 'web' }, { nodeName: 'n1' }));
  await c.client.create(types.pods, pod('free', { app: 'web' }));
  t.is(await boundTo(c, 'free'), 'n2');
  t.is(c.pods.get(`${ns}/pinned`)?.spec.nodeName, 'n1');
  t.false((await eventsFor(c.client, pinned)).some((e) => e.reason === 'Scheduled'));
});

test('pods of other schedulers are not ours to bind', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler'] });
  const other = await c.client.create<Pod>(types.pods, pod('other', { app: 'web' }, { schedulerName: 'my-scheduler' }));
  await c.client.create(types.pods, pod('mine', { app: 'web' }));
  await boundTo(c, 'mine');
  t.is(c.pods.get(`${ns}/other`)?.spec.nodeName, undefined);
  t.deepEqual(await eventsFor(c.client, other), []);
});

test('nodeSelector and required node affinity pick the matching node', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler'] });
  await c.client.patch(types.nodes, 'n3', { metadata: { labels: { disk: 'ssd' } } });
  await c.client.patch(types.nodes, 'n2', { metadata: { labels: { zone: 'b' } } });
  await c.client.create(types.pods, pod('ssd', { app: 'db' }, { nodeSelector: { disk: 'ssd' } }));
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b', 'c'] }] }] } } };
  await c.client.create(types.pods, pod('zoned', { app: 'db' }, { affinity }));
  t.is(await boundTo(c, 'ssd'), 'n3');
  t.is(await boundTo(c, 'zoned'), 'n2');
});

test('taints, NotReady and unschedulable nodes turn a pod away with the upstream message, until a node fits', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler'] });
  await c.client.patch(types.nodes, 'n1', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
  await c.client.patch(types.nodes, 'n2', { status: { conditions: [readyCondition('False')] } }, undefined, 'status');
  await c.client.patch(types.nodes, 'n3', { spec: { unschedulable: true } });
  await waitFor('the informer to see the node changes', () => c.nodes.get('n3')?.spec?.unschedulable);
  const p = await c.client.create<Pod>(types.pods, pod('web', { app: 'web' }));

  const message =
    '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, ' +
    '1 node(s) were unschedulable. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
  const condition = await waitFor('PodScheduled=False', () => c.pods.get(`${ns}/web`)?.status?.conditions?.find((x) => x.type === 'PodScheduled'));
  t.like(condition, { status: 'False', reason: 'Unschedulable', message });
  const failed = await waitFor('FailedScheduling', async () => (await eventsFor(c.client, p)).find((e) => e.reason === 'FailedScheduling'));
  t.like(failed, { type: 'Warning', message, source: { component: 'default-scheduler' } });

  const tolerant = pod('db', { app: 'db' }, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] });
  await c.client.create(types.pods, tolerant);
  t.is(await boundTo(c, 'db'), 'n1');

  await c.client.patch(types.nodes, 'n2', { status: { conditions: [readyCondition('True')] } }, undefined, 'status');
  t.is(await boundTo(c, 'web'), 'n2');
  t.like(c.pods.get(`${ns}/web`)?.status?.conditions?.find((x) => x.type === 'PodScheduled'), { status: 'True' });
});

test('an unreachable node (the node lifecycle taint) gets no new pods', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler'], nodes: ['n1', 'n2'] });
  await c.client.patch(types.nodes, 'n1', { spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] } });
  await c.client.patch(types.nodes, 'n1', { status: { conditions: [readyCondition('Unknown')] } }, undefined, 'status');
  await waitFor('the informer to see the taint', () => c.nodes.get('n1')?.spec?.taints?.length);
  for (const name of ['a', 'b', 'c']) await c.client.create(types.pods, pod(name, { app: 'web' }));
  t.deepEqual(await Promise.all(['a', 'b', 'c'].map((n) => boundTo(c, n))), ['n2', 'n2', 'n2']);
});

test('with no nodes at all the pod waits for one', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler'], nodes: [] });
  await c.client.create(types.pods, pod('web', { app: 'web' }));
  const condition = await waitFor('PodScheduled=False', () => c.pods.get(`${ns}/web`)?.status?.conditions?.find((x) => x.type === 'PodScheduled'));
  t.is(condition.message, 'no nodes available to schedule pods');
  await c.client.create(types.nodes, { metadata: { name: 'late' }, spec: {} });
  await c.client.patch(types.nodes, 'late', { status: { conditions: [readyCondition('True')] } }, undefined, 'status');
  t.is(await boundTo(c, 'web'), 'late');
});

test('the fit error counts reasons and sorts them as text', (t) => {
  const reasons = ["node(s) didn't match Pod's node affinity/selector", 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }', "node(s) didn't match Pod's node affinity/selector"];
  t.is(
    fitError(3, reasons),
    "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  );
});
