import test from 'ava';
import type { Pod, ReplicaSet } from '../../../../src/api/types.js';
import { oldPodsRunning } from '../../../../src/controllers/deployment/recreate.js';
import { ns, pod, replicaSet } from '../fake-cluster.js';

function rs(name: string, uid: string, podsLeft = 0): ReplicaSet {
  const r = replicaSet(name, 0);
  r.metadata.uid = uid;
  r.status = { replicas: podsLeft };
  return r;
}

function podOf(owner: ReplicaSet, phase: NonNullable<Pod['status']>['phase'], namespace = ns): Pod {
  const p = pod(`${owner.metadata.name}-x`, {});
  p.metadata.namespace = namespace;
  p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true }];
  p.status = { phase };
  return p;
}

test('Recreate waits while an old ReplicaSet counts pods or an old pod has not finished', (t) => {
  const old = rs('old', 'u-old');
  const newRS = rs('new', 'u-new');
  t.true(oldPodsRunning([], ns, newRS, [rs('old', 'u-old', 1)]), 'the ReplicaSet status still counts one');
  t.true(oldPodsRunning([podOf(old, 'Running')], ns, newRS, [old]));
  t.true(oldPodsRunning([podOf(old, 'Pending')], ns, undefined, [old]));
  t.false(oldPodsRunning([podOf(old, 'Succeeded'), podOf(old, 'Failed')], ns, newRS, [old]), 'finished pods do not count');
  t.false(oldPodsRunning([podOf(newRS, 'Running')], ns, newRS, [old]), "the new ReplicaSet's pods do not count");
  t.false(oldPodsRunning([podOf(old, 'Running', 'elsewhere')], ns, newRS, [old]), 'other namespaces do not count');
});
