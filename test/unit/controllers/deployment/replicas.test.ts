import test from 'ava';
import type { Deployment, IntOrString, ReplicaSet } from '../../../../src/api/types.js';
import { activeOrLatest, annotateReplicas, fenceposts, maxSurge, maxUnavailable, newReplicaSetReplicas, proportion, proportionalSizes, round, scaledValue } from '../../../../src/controllers/deployment/replicas.js';
import { deployment, replicaSet } from '../fake-cluster.js';

function rolling(replicas: number, maxSurge: IntOrString, maxUnavailable: IntOrString): Deployment {
  return deployment('web', replicas, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } });
}

/** A ReplicaSet of size replicas whose max-replicas annotation says max, made at second `at`. */
function rs(name: string, replicas: number, max?: number, at = 0): ReplicaSet {
  const r = replicaSet(name, replicas);
  r.metadata.creationTimestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString();
  if (max !== undefined) r.metadata.annotations = { 'deployment.kubernetes.io/max-replicas': String(max) };
  return r;
}

const sizes = (p: ReturnType<typeof proportionalSizes>): Record<string, number> => Object.fromEntries(p.sizes.map(([r, n]) => [r.metadata.name, n]));

test('maxSurge rounds up, maxUnavailable rounds down, and they are never both zero', (t) => {
  t.is(scaledValue('25%', 3, true), 1);
  t.is(scaledValue('25%', 3, false), 0);
  t.is(scaledValue(2, 10, true), 2);
  t.throws(() => scaledValue('2', 10, true));
  const d = (maxSurge: number | string, maxUnavailable: number | string, replicas = 10): Deployment => deployment('x', replicas, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } });
  t.deepEqual(fenceposts(d('25%', '25%')), [3, 2]);
  t.deepEqual(fenceposts(d(0, '5%')), [0, 1]);
  t.deepEqual(fenceposts(d('10%', 0, 5)), [1, 0]);
});

test('fenceposts as upstream resolves them: percentages of the replicas, 25% each by default', (t) => {
  t.deepEqual(fenceposts(rolling(10, '39%', '39%')), [4, 3]);
  t.deepEqual(fenceposts(rolling(0, '0%', '0%')), [0, 1]);
  t.deepEqual(fenceposts(deployment('web', 4)), [1, 1]);
  t.deepEqual(fenceposts(deployment('web', 5)), [2, 1]);
  t.throws(() => fenceposts(rolling(10, 'oops', '1%')), { message: /not a percentage/ });
  t.throws(() => fenceposts(rolling(10, '5', '5')), { message: /not a percentage/ });
});

test('Recreate has no surge and no unavailability budget; maxUnavailable never exceeds the replicas', (t) => {
  const recreate = deployment('web', 4, { strategy: { type: 'Recreate' } });
  t.is(maxSurge(recreate), 0);
  t.is(maxUnavailable(recreate), 0);
  t.is(maxUnavailable(rolling(3, 1, 10)), 3);
  t.is(maxUnavailable(rolling(0, 1, 10)), 0);
  t.is(maxSurge(rolling(3, 2, 0)), 2);
});

test("Go's math.Round: halves go away from zero", (t) => {
  t.is(round(2.5), 3);
  t.is(round(-2.5), -3);
  t.is(round(-1.4), -1);
  t.is(round(0.5), 1);
});

test('the new ReplicaSet grows by what maxSurge leaves, never past the replicas', (t) => {
  const d = rolling(6, 3, 0);
  const newRS = rs('new', 0);
  t.is(newReplicaSetReplicas(d, [rs('old', 5), newRS], newRS), 4);
  t.is(newReplicaSetReplicas(d, [rs('old', 1), newRS], newRS), 6);
  const full = rs('new', 5);
  t.is(newReplicaSetReplicas(rolling(1, 1, 0), [full], full), 5, 'already at or above replicas + maxSurge: stays');
  t.is(newReplicaSetReplicas(deployment('web', 6, { strategy: { type: 'Recreate' } }), [rs('old', 5), newRS], newRS), 6);
});

test('the one active ReplicaSet, or the newest when none has replicas', (t) => {
  const a = rs('a', 0, undefined, 1);
  const b = rs('b', 0, undefined, 2);
  t.is(activeOrLatest(undefined, [b, a]), b);
  t.is(activeOrLatest(rs('new', 0), [a, b])?.metadata.name, 'new');
  const busy = rs('busy', 2);
  t.is(activeOrLatest(undefined, [a, busy]), busy);
  t.is(activeOrLatest(rs('new', 1), [busy]), undefined);
  t.is(activeOrLatest(undefined, []), undefined);
});

test('proportional scaling 5 -> 10 and 5 -> 3 as upstream: each ReplicaSet keeps its share', (t) => {
  const d = rolling(10, 0, 1);
  const up = proportionalSizes(d, rs('new', 2, 5, 2), [rs('old', 3, 5, 1)]);
  t.is(up.operation, 'up');
  t.deepEqual(sizes(up), { old: 6, new: 4 });
  const down = proportionalSizes(rolling(3, 0, 1), rs('new', 2, 5, 2), [rs('old', 3, 5, 1)]);
  t.is(down.operation, 'down');
  t.deepEqual(sizes(down), { old: 2, new: 1 });
  t.deepEqual(sizes(proportionalSizes(rolling(4, 0, 1), rs('new', 8, 9, 2), [rs('old', 1, 9, 1)])), { new: 4, old: 0 });
});

test('what rounding leaves goes to the first ReplicaSet: the largest, the newest on a tie when growing', (t) => {
  const d = rolling(4, 0, 1);
  const p = proportionalSizes(d, rs('c', 1, 3, 3), [rs('a', 1, 3, 1), rs('b', 1, 3, 2)]);
  t.deepEqual(p.sizes.map(([r]) => r.metadata.name), ['c', 'b', 'a']);
  t.deepEqual(sizes(p), { a: 1, b: 1, c: 2 });
  const shrink = proportionalSizes(rolling(2, 0, 1), rs('c', 1, 3, 3), [rs('a', 1, 3, 1), rs('b', 1, 3, 2)]);
  t.deepEqual(shrink.sizes[0]![0].metadata.name, 'a', 'the oldest first when shrinking');
  t.is(Object.values(sizes(shrink)).reduce((x, y) => x + y), 2);
});

test('nothing to spread: sizes stay and the operation is empty', (t) => {
  const p = proportionalSizes(rolling(4, 1, 0), rs('new', 2, 5), [rs('old', 3, 5)]);
  t.is(p.operation, '');
  t.deepEqual(sizes(p), { old: 3, new: 2 });
});

test('a share: zero for an empty ReplicaSet or when nothing is left, the whole ReplicaSet when scaling to zero', (t) => {
  const d = rolling(10, 0, 1);
  t.is(proportion(d, rs('empty', 0, 5), 5, 0), 0);
  t.is(proportion(d, rs('a', 3, 5), 5, 5), 0);
  t.is(proportion(d, rs('a', 3, 5), 5, 4), 1, 'capped by what is left');
  t.is(proportion(rolling(0, 0, 1), rs('a', 3, 5), -5, 0), -3);
  const noAnnotation = rs('a', 3);
  t.is(proportion({ ...d, status: { replicas: 5 } }, noAnnotation, 5, 0), 3, 'the Deployment status replicas stand in for a missing annotation');
});

test('replica annotations: desired replicas and replicas + maxSurge, changed only when they differ', (t) => {
  const r = rs('a', 3);
  t.true(annotateReplicas(rolling(4, 2, 0), r));
  t.like(r.metadata.annotations, { 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '6' });
  t.false(annotateReplicas(rolling(4, 2, 0), r));
});
