import test from 'ava';
import { isReady } from '../../../../src/api/conditions.js';
import { types } from '../../../../src/api/resources.js';
import type { Deployment, Pod, ReplicaSet } from '../../../../src/api/types.js';
import { computeHash } from '../../../../src/controllers/deployment/hash.js';
import { isPodActive } from '../../../../src/controllers/ownership.js';
import { activePodsOf, deployment, eventsFor, ns, ownedBy, startCluster, template, waitFor, type Cluster } from '../fake-cluster.js';

const safeHash = /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/;

function replicaSetsOf(c: Cluster, d: Deployment): ReplicaSet[] {
  return c.replicasets.list().filter((rs) => ownedBy(rs, d));
}

/** Waits for `kubectl rollout status` to call it done, for at least the generation we wrote. */
function rolledOut(c: Cluster, name: string, replicas: number, written?: Deployment): Promise<Deployment> {
  return waitFor(`deployment ${name} rolled out with ${replicas} replicas`, () => {
    const d = c.deployments.get(`${ns}/${name}`);
    const s = d?.status;
    const progressing = s?.conditions?.find((x) => x.type === 'Progressing');
    const generation = Math.max(d?.metadata.generation ?? 0, written?.metadata.generation ?? 0);
    const done =
      d &&
      (s?.observedGeneration ?? 0) >= generation &&
      (s?.updatedReplicas ?? 0) === replicas &&
      (s?.replicas ?? 0) === replicas &&
      (s?.availableReplicas ?? 0) === replicas &&
      progressing?.reason === 'NewReplicaSetAvailable';
    return done && d;
  });
}

test('a deployment gets a ReplicaSet named <deployment>-<pod-template-hash>, whose pods spread over the nodes', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler', 'replicaset', 'deployment'], kubelet: true });
  const created = await c.client.create<Deployment>(types.deployments, deployment('web', 3));
  const d = await rolledOut(c, 'web', 3);

  const [rs, ...others] = replicaSetsOf(c, d);
  t.is(others.length, 0);
  const hash = computeHash(created.spec.template);
  t.regex(hash, safeHash);
  t.is(rs!.metadata.name, `web-${hash}`);
  t.deepEqual(rs!.metadata.labels, { app: 'web', 'pod-template-hash': hash });
  t.deepEqual(rs!.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
  t.deepEqual(rs!.spec.template.metadata?.labels, { app: 'web', 'pod-template-hash': hash });
  t.deepEqual(rs!.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  t.like(rs!.metadata.annotations, { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
  t.is(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');

  const pods = activePodsOf(c, rs!);
  t.is(pods.length, 3);
  for (const p of pods) t.regex(p.metadata.name!, new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
  t.deepEqual(pods.map((p) => p.spec.nodeName).sort(), ['n1', 'n2', 'n3']);

  t.like(d.status, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
  t.is(d.status?.unavailableReplicas, undefined);
  t.deepEqual(
    d.status?.conditions?.map(({ type, status, reason, message }) => ({ type, status, reason, message })),
    [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` },
    ],
  );
  const scaled = (await eventsFor(c.client, d)).find((e) => e.reason === 'ScalingReplicaSet');
  t.like(scaled, { type: 'Normal', message: `Scaled up replica set web-${hash} from 0 to 3`, source: { component: 'deployment-controller' } });
});

test('a deleted pod of a deployment comes back', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler', 'replicaset', 'deployment'], kubelet: true });
  await c.client.create(types.deployments, deployment('web', 3));
  const d = await rolledOut(c, 'web', 3);
  const [rs] = replicaSetsOf(c, d);
  const before = activePodsOf(c, rs!);
  await c.client.delete(types.pods, before[0]!.metadata.name!, ns);
  const after = await waitFor('a replacement', () => {
    const ps = activePodsOf(c, rs!);
    return ps.length === 3 && !ps.some((p) => p.metadata.uid === before[0]!.metadata.uid) && ps;
  });
  t.is(after.filter((p) => before.some((b) => b.metadata.uid === p.metadata.uid)).length, 2);
  await rolledOut(c, 'web', 3);
});

test('scaling 3 -> 0 -> 5 through the scale subresource', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler', 'replicaset', 'deployment'], kubelet: true });
  await c.client.create(types.deployments, deployment('web', 3));
  const d = await rolledOut(c, 'web', 3);
  const [rs] = replicaSetsOf(c, d);
  const name = rs!.metadata.name!;

  await c.client.patch(types.deployments, 'web', { spec: { replicas: 0 } }, ns, 'scale');
  await waitFor('no pods', () => activePodsOf(c, rs!).length === 0 && c.replicasets.get(`${ns}/${name}`)?.spec.replicas === 0);
  const empty = await waitFor('status of an empty deployment', () => {
    const x = c.deployments.get(`${ns}/web`);
    return x?.status?.observedGeneration === 2 && x.status.replicas === undefined && x.status.availableReplicas === undefined && x;
  });
  t.like(empty.status?.conditions?.find((x) => x.type === 'Available'), { status: 'True' });

  await c.client.patch(types.deployments, 'web', { spec: { replicas: 5 } }, ns, 'scale');
  const up = await rolledOut(c, 'web', 5);
  t.is(replicaSetsOf(c, up).length, 1, 'scaling makes no new ReplicaSet');
  const pods = activePodsOf(c, rs!);
  t.is(pods.length, 5);
  const perNode = Object.values(pods.reduce<Record<string, number>>((m, p) => ({ ...m, [p.spec.nodeName!]: (m[p.spec.nodeName!] ?? 0) + 1 }), {})).sort();
  t.deepEqual(perNode, [1, 2, 2]);
  t.like(c.replicasets.get(`${ns}/${name}`)?.metadata.annotations, { 'deployment.kubernetes.io/desired-replicas': '5', 'deployment.kubernetes.io/max-replicas': '7' });

  const messages = (await eventsFor(c.client, d)).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
  t.deepEqual(messages.sort(), [`Scaled down replica set ${name} from 3 to 0`, `Scaled up replica set ${name} from 0 to 3`, `Scaled up replica set ${name} from 0 to 5`]);
});

test('changing the image rolls the pods over a few at a time, within maxSurge and maxUnavailable', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler', 'replicaset', 'deployment'], kubelet: true });
  const strategy = { type: 'RollingUpdate' as const, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  await c.client.create(types.deployments, deployment('web', 4, { strategy }));
  const d = await rolledOut(c, 'web', 4);
  const [oldRS] = replicaSetsOf(c, d);

  // Every pod event: how many active pods exist, how many of them are ready, and what the ReplicaSets ask for.
  let maxActive = 0;
  let minReady = Infinity;
  let maxSpec = 0;
  const mine = (p: Pod): boolean => p.metadata.labels?.app === 'web' && isPodActive(p);
  const observe = (): void => {
    const active = c.pods.list().filter(mine);
    maxActive = Math.max(maxActive, active.length);
    minReady = Math.min(minReady, active.filter(isReady).length);
    maxSpec = Math.max(maxSpec, replicaSetsOf(c, d).reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0));
  };
  c.pods.on({ add: observe, update: observe, delete: observe });
  c.replicasets.on({ update: observe });

  const patched = await c.client.patch<Deployment>(types.deployments, 'web', { spec: { template: template({ app: 'web' }, 'nginx:1.27') } }, ns);
  const after = await rolledOut(c, 'web', 4, patched);
  const all = replicaSetsOf(c, after);
  const newRS = all.find((rs) => rs.metadata.uid !== oldRS!.metadata.uid)!;
  await waitFor('the old pods gone', () => activePodsOf(c, oldRS!).length === 0);

  t.is(all.length, 2);
  t.not(newRS.metadata.name, oldRS!.metadata.name);
  t.is(c.replicasets.get(`${ns}/${oldRS!.metadata.name}`)?.spec.replicas, 0);
  t.is(newRS.spec.template.spec.containers[0]?.image, 'nginx:1.27');
  t.is(newRS.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  t.is(after.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  t.true(maxActive <= 5, `at most replicas + maxSurge pods at once (saw ${maxActive})`);
  t.true(maxSpec <= 5, `ReplicaSets never asked for more than 5 (saw ${maxSpec})`);
  t.true(minReady >= 4, `never fewer than replicas - maxUnavailable ready pods (saw ${minReady})`);

  const messages = (await eventsFor(c.client, d)).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
  t.true(messages.includes(`Scaled up replica set ${newRS.metadata.name} from 0 to 1`));
  t.true(messages.includes(`Scaled down replica set ${oldRS!.metadata.name} from 1 to 0`));
});

test('Recreate stops every old pod before the first new one starts', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler', 'replicaset', 'deployment'], kubelet: true });
  await c.client.create(types.deployments, deployment('web', 2, { strategy: { type: 'Recreate' } }));
  const d = await rolledOut(c, 'web', 2);
  const [oldRS] = replicaSetsOf(c, d);
  const oldHash = oldRS!.metadata.labels!['pod-template-hash'];
  let overlap = false;
  const observe = (): void => {
    const web = c.pods.list().filter((p) => p.metadata.labels?.app === 'web');
    const oldLeft = web.some((p) => p.metadata.labels?.['pod-template-hash'] === oldHash);
    if (oldLeft && web.some((p) => p.metadata.labels?.['pod-template-hash'] !== oldHash)) overlap = true;
  };
  c.pods.on({ add: observe, update: observe, delete: observe });
  const patched = await c.client.patch<Deployment>(types.deployments, 'web', { spec: { template: template({ app: 'web' }, 'nginx:1.27') } }, ns);
  await rolledOut(c, 'web', 2, patched);
  t.false(overlap);
  t.is(replicaSetsOf(c, d).length, 2);
});

test('old ReplicaSets beyond revisionHistoryLimit are deleted', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler', 'replicaset', 'deployment', 'garbage-collector'], kubelet: true });
  await c.client.create(types.deployments, deployment('web', 1, { revisionHistoryLimit: 1 }));
  await rolledOut(c, 'web', 1);
  for (const image of ['nginx:1.26', 'nginx:1.27']) {
    const patched = await c.client.patch<Deployment>(types.deployments, 'web', { spec: { template: template({ app: 'web' }, image) } }, ns);
    await rolledOut(c, 'web', 1, patched);
  }
  const d = c.deployments.get(`${ns}/web`)!;
  const left = await waitFor('one old ReplicaSet left', () => replicaSetsOf(c, d).length === 2 && replicaSetsOf(c, d));
  t.deepEqual(left.map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort(), ['2', '3']);
});

test('a ReplicaSet with the template of an old revision is rolled back to and takes the next revision', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler', 'replicaset', 'deployment'], kubelet: true });
  await c.client.create(types.deployments, deployment('web', 2));
  const d = await rolledOut(c, 'web', 2);
  const [first] = replicaSetsOf(c, d);
  const forward = await c.client.patch<Deployment>(types.deployments, 'web', { spec: { template: template({ app: 'web' }, 'nginx:1.27') } }, ns);
  await rolledOut(c, 'web', 2, forward);
  const backward = await c.client.patch<Deployment>(types.deployments, 'web', { spec: { template: template({ app: 'web' }) } }, ns);
  const back = await rolledOut(c, 'web', 2, backward);
  t.is(replicaSetsOf(c, back).length, 2);
  t.is(c.replicasets.get(`${ns}/${first!.metadata.name}`)?.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  t.is(back.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
});

test('a deployment adopts a matching orphan ReplicaSet instead of making another', async (t) => {
  const c = await startCluster(t, { controllers: ['scheduler', 'replicaset', 'deployment'], kubelet: true });
  const spec = deployment('web', 2).spec;
  const hash = computeHash(spec.template);
  const labels = { app: 'web', 'pod-template-hash': hash };
  const orphan = await c.client.create<ReplicaSet>(types.replicasets, {
    metadata: { name: `web-${hash}`, namespace: ns, labels },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { ...spec.template, metadata: { labels } } },
  });
  await c.client.create(types.deployments, deployment('web', 2));
  const d = await rolledOut(c, 'web', 2);
  const [rs, ...others] = replicaSetsOf(c, d);
  t.is(others.length, 0);
  t.is(rs!.metadata.uid, orphan.metadata.uid);
  t.true(activePodsOf(c, rs!).length === 2);
  t.false(c.pods.list().some((p) => !ownedBy(p, rs!)));
});
