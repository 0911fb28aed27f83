import test from 'ava';
import type { Deployment, ReplicaSet } from '../../../../src/api/types.js';
import { calculateStatus, condition, pausedStatus, setCondition, setProgressing, stuckRequeueAfter, timedOut, type Status } from '../../../../src/controllers/deployment/conditions.js';
import { deployment, replicaSet } from '../fake-cluster.js';

const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function rs(name: string, replicas: number, ready: number, available: number): ReplicaSet {
  const r = replicaSet(name, replicas);
  r.status = { replicas, readyReplicas: ready, availableReplicas: available };
  return r;
}

function withStatus(d: Deployment, status: Status, generation = 1): Deployment {
  return { ...d, metadata: { ...d.metadata, generation }, status };
}

const reasons = (s: Status): Record<string, string | undefined> => Object.fromEntries((s.conditions ?? []).map((c) => [c.type, `${c.status}/${c.reason}`]));

test('status counts come from the ReplicaSets; Available holds at replicas - maxUnavailable', (t) => {
  const d = withStatus(deployment('web', 4), {});
  const newRS = rs('new', 2, 1, 1);
  const s = calculateStatus(d, [rs('old', 2, 2, 2), newRS], newRS);
  t.like(s, { observedGeneration: 1, replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1 });
  t.deepEqual(reasons(s), { Available: 'True/MinimumReplicasAvailable' });
  const short = calculateStatus(d, [rs('old', 4, 2, 2)], undefined);
  t.deepEqual(reasons(short), { Available: 'False/MinimumReplicasUnavailable' });
  t.is(short.updatedReplicas, 0);
});

test('without a progress deadline there is no Progressing condition', (t) => {
  const d = withStatus(deployment('web', 1, { progressDeadlineSeconds: 2147483647 }), { conditions: [condition('Progressing', 'True', 'ReplicaSetUpdated', 'x')] });
  const s = calculateStatus(d, [], undefined);
  t.deepEqual(reasons(s), { Available: 'False/MinimumReplicasUnavailable' });
  setProgressing(d, s, undefined);
  t.is(s.conditions?.find((c) => c.type === 'Progressing'), undefined);
  t.is(pausedStatus({ ...d, spec: { ...d.spec, paused: true } }), undefined);
});

test('a condition keeps its transition time while its status holds, and is left alone for the same reason', (t) => {
  const s: Status = {};
  const first = { ...condition('Progressing', 'True', 'ReplicaSetUpdated', 'a'), lastTransitionTime: at(1), lastUpdateTime: at(1) };
  setCondition(s, first);
  setCondition(s, { ...condition('Progressing', 'True', 'ReplicaSetUpdated', 'b'), lastTransitionTime: at(2) });
  t.is(s.conditions![0]!.message, 'a', 'same status and reason: no change');
  setCondition(s, { ...condition('Progressing', 'True', 'NewReplicaSetAvailable', 'c'), lastTransitionTime: at(3) });
  t.like(s.conditions![0], { reason: 'NewReplicaSetAvailable', lastTransitionTime: at(1) });
  setCondition(s, { ...condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'd'), lastTransitionTime: at(4) });
  t.like(s.conditions![0], { status: 'False', lastTransitionTime: at(4) });
  t.is(s.conditions!.length, 1);
});

test('Progressing: complete, then progressing, then timed out past the deadline', (t) => {
  const newRS = rs('web-abc', 2, 2, 2);
  const d = withStatus(deployment('web', 2), { replicas: 2, updatedReplicas: 1 });
  const done = calculateStatus(d, [newRS], newRS);
  setProgressing(d, done, newRS);
  t.like(done.conditions!.find((c) => c.type === 'Progressing'), { status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-abc" has successfully progressed.' });

  const half = rs('web-abc', 2, 1, 1);
  const moving = calculateStatus(d, [rs('old', 1, 1, 1), half], half);
  setProgressing(d, moving, half);
  t.like(moving.conditions!.find((c) => c.type === 'Progressing'), { status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-abc" is progressing.' });

  const stale = { ...condition('Progressing', 'True', 'ReplicaSetUpdated', 'x'), lastUpdateTime: new Date(Date.now() - 601_000).toISOString() };
  const stuck = withStatus(deployment('web', 2), { replicas: 2, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1, conditions: [stale] });
  const late = rs('web-abc', 1, 0, 0);
  const s = calculateStatus(stuck, [rs('old', 1, 1, 1), late], late);
  t.true(timedOut(stuck, s));
  setProgressing(stuck, s, late);
  t.like(s.conditions!.find((c) => c.type === 'Progressing'), { status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-abc" has timed out progressing.' });
});

test('a stuck rollout is looked at again when its deadline passes, at least a second later', (t) => {
  const now = Date.parse(at(100));
  const c = { ...condition('Progressing', 'True', 'ReplicaSetUpdated', 'x'), lastUpdateTime: at(90) };
  const d = withStatus(deployment('web', 2, { progressDeadlineSeconds: 30 }), { conditions: [c] });
  t.is(stuckRequeueAfter(d, {}, now), 20_000);
  t.is(stuckRequeueAfter(d, {}, Date.parse(at(200))), 1000);
  t.is(stuckRequeueAfter(d, { replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 }, now), undefined, 'complete');
});

test('pausing and resuming show in Progressing once; a deadline already exceeded stays', (t) => {
  const paused = deployment('web', 1, { paused: true });
  const s = pausedStatus(paused);
  t.like(s?.conditions?.[0], { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
  t.is(pausedStatus({ ...paused, status: s }), undefined);
  const resumed = pausedStatus({ ...deployment('web', 1), status: s });
  t.like(resumed?.conditions?.[0], { reason: 'DeploymentResumed', message: 'Deployment is resumed' });
  const exceeded = { conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'x')] };
  t.is(pausedStatus({ ...paused, status: exceeded }), undefined);
});
