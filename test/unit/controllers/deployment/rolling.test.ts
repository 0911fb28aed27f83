import test from 'ava';
import type { Deployment, ReplicaSet } from '../../../../src/api/types.js';
import { maxScaledDown, newReplicaSetTarget, oldScaleDown, unhealthyCleanup } from '../../../../src/controllers/deployment/rolling.js';
import { deployment, replicaSet } from '../fake-cluster.js';

const rolling = (replicas: number, maxSurge: number, maxUnavailable: number): Deployment =>
  deployment('web', replicas, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } });

function rs(name: string, replicas: number, available: number, at: number): ReplicaSet {
  const r = replicaSet(name, replicas);
  r.metadata.creationTimestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString();
  r.status = { replicas, availableReplicas: available };
  return r;
}

const plan = (p: [ReplicaSet, number][]): [string, number][] => p.map(([r, n]) => [r.metadata.name!, n]);

test('the new ReplicaSet goes down to the replicas at once and up within maxSurge', (t) => {
  const d = rolling(4, 1, 1);
  const big = rs('new', 6, 0, 3);
  t.is(newReplicaSetTarget(d, [big], big), 4);
  const empty = rs('new', 0, 0, 3);
  t.is(newReplicaSetTarget(d, [rs('old', 4, 4, 1), empty], empty), 1);
  const done = rs('new', 4, 4, 3);
  t.is(newReplicaSetTarget(d, [done], done), 4);
});

test('old replicas may go down to replicas - maxUnavailable, less the new ones not yet available', (t) => {
  const d = rolling(4, 1, 1);
  const newRS = rs('new', 1, 0, 3);
  t.is(maxScaledDown(d, [rs('old', 4, 4, 1), newRS], newRS), 1, '5 in all, 3 must stay available, and the new one is not yet');
  const ready = rs('new', 1, 1, 3);
  t.is(maxScaledDown(d, [rs('old', 4, 4, 1), ready], ready), 2);
});

test('unhealthy old replicas go first, oldest ReplicaSet first, up to the limit', (t) => {
  const older = rs('older', 3, 1, 1);
  const old = rs('old', 2, 0, 2);
  const healthy = rs('healthy', 2, 2, 0);
  t.deepEqual(plan(unhealthyCleanup([old, healthy, older], 3)), [['older', 1], ['old', 1]]);
  t.deepEqual(plan(unhealthyCleanup([old, older], 10)), [['older', 1], ['old', 0]]);
  t.deepEqual(plan(unhealthyCleanup([healthy], 10)), []);
});

test('available replicas above the minimum go, from the oldest ReplicaSets', (t) => {
  const d = rolling(4, 1, 1);
  const a = rs('a', 2, 2, 1);
  const b = rs('b', 2, 2, 2);
  const newRS = rs('new', 1, 1, 3);
  t.deepEqual(plan(oldScaleDown(d, [b, a, newRS], [b, a])), [['a', 0]], '5 available, 3 must stay: 2 go, all from a');
  t.deepEqual(plan(oldScaleDown(rolling(4, 1, 0), [a, b, newRS], [a, b])), [['a', 1]]);
  t.deepEqual(plan(oldScaleDown(rolling(5, 1, 0), [a, b, newRS], [a, b])), [], 'at the minimum: none goes');
});
